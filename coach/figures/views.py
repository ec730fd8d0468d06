"""The body views strokes are drawn on: line art in a 100 x 100 grid (x from the left, y down).

Proportions come from a real reference, not from eye: the segment lengths of the human body as
fractions of standing height H (Drillis and Contini, 1966, as tabulated in D. A. Winter,
*Biomechanics and Motor Control of Human Movement*, fig. 4.1): head 0.130 H (crown to chin),
shoulder height 0.818 H, shoulder width 0.259 H, hip width 0.191 H, hip (trochanter) height
0.530 H, upper arm 0.186 H, hand length 0.108 H, foot length 0.152 H, foot width 0.055 H. Head
breadth (0.09 H), neck breadth (0.06 H), waist breadth (0.16 H), palm breadth (0.058 H) and the
head's length from above (0.11 H) are the 50th-percentile adult figures of the same kind of
table (NASA-STD-3000, Anthropometry and Biomechanics, vol. 1, section 3). Each view places its
part of the body at one scale, centred; its landmarks (the spine, the shoulder blades, the toes,
the eyes...) are where an author places strokes.

Every view is a list of SVG elements drawn in two roles: ``body`` (the outline) and ``guide``
(landmarks, thinner and dashed), which the theme colours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Fractions of standing height H (see the module's docstring).
HEAD = 0.130
HEAD_BREADTH = 0.09
NECK_BREADTH = 0.06
SHOULDER_HEIGHT = 0.818
SHOULDER_WIDTH = 0.259
WAIST_BREADTH = 0.16
WAIST_HEIGHT = 0.63
HIP_WIDTH = 0.191
HIP_HEIGHT = 0.530
UPPER_ARM = 0.186
HAND = 0.108
PALM_BREADTH = 0.058
FOOT = 0.152
FOOT_BREADTH = 0.055
HEAD_LENGTH_FROM_ABOVE = 0.11


@dataclass(frozen=True)
class Element:
    """One SVG element of a view."""

    role: str
    """``body`` (outline) or ``guide`` (landmarks)."""
    svg: str
    """The element, without colours (the theme adds them)."""


@dataclass(frozen=True)
class View:
    """A body view: what it shows, and how to draw it."""

    name: str
    """Its name in routine files (``view: back``)."""
    title: str
    """What it shows, for the README's grid and the card."""
    draw: Callable[[], tuple[Element, ...]]
    """Its line art."""


def _path(role: str, d: str) -> Element:
    return Element(role, f'<path d="{d}"/>')


def _ellipse(role: str, cx: float, cy: float, rx: float, ry: float) -> Element:
    return Element(role, f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{rx:.1f}" ry="{ry:.1f}"/>')


def _y(scale: float, top: float, height_fraction: float) -> float:
    """The y of a point ``height_fraction`` of H above the floor, for a view whose crown (1.0 H)
    is at ``top`` and whose scale is ``scale`` units per H."""
    return top + (1.0 - height_fraction) * scale


def _back() -> tuple[Element, ...]:
    """Lying face down, seen from above, head at the top: crown to mid-thigh."""
    scale, top, mid = 168.0, 3.0, 50.0
    head_bottom = top + HEAD * scale
    shoulder_y = _y(scale, top, SHOULDER_HEIGHT)
    waist_y = _y(scale, top, WAIST_HEIGHT)
    hip_y = _y(scale, top, HIP_HEIGHT)
    sw, ww, hw = (SHOULDER_WIDTH * scale / 2, WAIST_BREADTH * scale / 2, HIP_WIDTH * scale / 2)
    nw = NECK_BREADTH * scale / 2
    arm = UPPER_ARM * scale
    torso = (
        f"M {mid - nw:.1f} {head_bottom:.1f} L {mid - nw:.1f} {shoulder_y - 4:.1f} "
        f"Q {mid - sw + 2:.1f} {shoulder_y - 3:.1f} {mid - sw:.1f} {shoulder_y + 3:.1f} "
        f"Q {mid - sw + 1:.1f} {shoulder_y + 16:.1f} {mid - ww:.1f} {waist_y:.1f} "
        f"Q {mid - hw - 1:.1f} {hip_y - 6:.1f} {mid - hw:.1f} {hip_y:.1f} "
        f"L {mid - hw + 1:.1f} 100 M {mid + hw - 1:.1f} 100 L {mid + hw:.1f} {hip_y:.1f} "
        f"Q {mid + hw + 1:.1f} {hip_y - 6:.1f} {mid + ww:.1f} {waist_y:.1f} "
        f"Q {mid + sw - 1:.1f} {shoulder_y + 16:.1f} {mid + sw:.1f} {shoulder_y + 3:.1f} "
        f"Q {mid + sw - 2:.1f} {shoulder_y - 3:.1f} {mid + nw:.1f} {shoulder_y - 4:.1f} "
        f"L {mid + nw:.1f} {head_bottom:.1f}"
    )
    arms = (
        f"M {mid - sw - 1:.1f} {shoulder_y + 4:.1f} L {mid - sw - 8:.1f} {shoulder_y + arm:.1f} "
        f"M {mid - sw - 0.5:.1f} {shoulder_y + 10:.1f} L {mid - sw - 3.5:.1f} "
        f"{shoulder_y + arm:.1f} "
        f"M {mid + sw + 1:.1f} {shoulder_y + 4:.1f} L {mid + sw + 8:.1f} {shoulder_y + arm:.1f} "
        f"M {mid + sw + 0.5:.1f} {shoulder_y + 10:.1f} L {mid + sw + 3.5:.1f} "
        f"{shoulder_y + arm:.1f}"
    )
    blade = 10.5
    blades = (
        f"M {mid - 4:.1f} {shoulder_y + 3:.1f} L {mid - 4 - blade:.1f} {shoulder_y + 2:.1f} "
        f"L {mid - 5:.1f} {shoulder_y + 19:.1f} Z "
        f"M {mid + 4:.1f} {shoulder_y + 3:.1f} L {mid + 4 + blade:.1f} {shoulder_y + 2:.1f} "
        f"L {mid + 5:.1f} {shoulder_y + 19:.1f} Z"
    )
    spine = f"M {mid} {head_bottom + 2:.1f} L {mid} {hip_y + 4:.1f}"
    sacrum = (
        f"M {mid - 5:.1f} {hip_y - 3:.1f} L {mid} {hip_y + 7:.1f} L {mid + 5:.1f} {hip_y - 3:.1f}"
    )
    return (
        _ellipse("body", mid, top + HEAD * scale / 2, HEAD_BREADTH * scale / 2, HEAD * scale / 2),
        _path("body", torso),
        _path("body", arms),
        _path("guide", spine),
        _path("guide", blades),
        _path("guide", sacrum),
    )


def _lower_back() -> tuple[Element, ...]:
    """Lying face down, seen from above, head at the top: the lower back and buttocks, from the
    lowest ribs to the tops of the thighs, at nearly twice the scale of ``back`` (where strokes
    on the lower back are too small to read)."""
    scale, mid = 300.0, 50.0
    top = -(1.0 - 0.75) * scale  # 0.75 H (the lowest ribs) at the top edge
    waist_y = _y(scale, top, WAIST_HEIGHT)
    hip_y = _y(scale, top, HIP_HEIGHT)
    ribs_w = (SHOULDER_WIDTH + WAIST_BREADTH) / 2 * scale / 2 * 0.86
    ww, hw = WAIST_BREADTH * scale / 2, HIP_WIDTH * scale / 2
    outline = (
        f"M {mid - ribs_w:.1f} 0 Q {mid - ww:.1f} {waist_y * 0.55:.1f} {mid - ww:.1f} "
        f"{waist_y:.1f} C {mid - ww:.1f} {waist_y + 14:.1f} {mid - hw:.1f} {hip_y - 16:.1f} "
        f"{mid - hw:.1f} {hip_y:.1f} L {mid - hw + 2:.1f} 100 "
        f"M {mid + hw - 2:.1f} 100 L {mid + hw:.1f} {hip_y:.1f} "
        f"C {mid + hw:.1f} {hip_y - 16:.1f} {mid + ww:.1f} {waist_y + 14:.1f} {mid + ww:.1f} "
        f"{waist_y:.1f} Q {mid + ww:.1f} {waist_y * 0.55:.1f} {mid + ribs_w:.1f} 0"
    )
    # the same landmarks as ``back``, at this scale: the spine down to the sacrum's top, the
    # sacrum's V ending at the tailbone, and the creases under the buttocks
    ratio = scale / 168.0
    sacrum_top, tailbone = hip_y - 3 * ratio, hip_y + 7 * ratio
    spine = f"M {mid} 0 L {mid} {sacrum_top + 4:.1f}"
    sacrum = (
        f"M {mid - 5 * ratio:.1f} {sacrum_top:.1f} L {mid} {tailbone:.1f} "
        f"L {mid + 5 * ratio:.1f} {sacrum_top:.1f}"
    )
    fold_y = tailbone + 8
    folds = (
        f"M {mid - 2:.1f} {fold_y:.1f} Q {mid - hw / 2:.1f} {fold_y + 5:.1f} "
        f"{mid - hw + 4:.1f} {fold_y + 1:.1f} "
        f"M {mid + 2:.1f} {fold_y:.1f} Q {mid + hw / 2:.1f} {fold_y + 5:.1f} "
        f"{mid + hw - 4:.1f} {fold_y + 1:.1f} "
        f"M {mid} {tailbone + 1:.1f} L {mid} {fold_y - 1:.1f}"
    )
    return (
        _path("body", outline),
        _path("guide", spine),
        _path("guide", sacrum),
        _path("guide", folds),
    )


def _shoulders() -> tuple[Element, ...]:
    """Seated, seen from behind: crown to the middle of the back. Lying face down and seen from
    above, the neck, shoulders and shoulder blades look the same, so the upper back's close
    work (the blades, the tops of the shoulders) is drawn here too."""
    scale, top, mid = 262.0, 3.0, 50.0
    head_bottom = top + HEAD * scale
    shoulder_y = _y(scale, top, SHOULDER_HEIGHT)
    sw, nw = SHOULDER_WIDTH * scale / 2, NECK_BREADTH * scale / 2
    outline = (
        f"M {mid - nw:.1f} {head_bottom - 3:.1f} L {mid - nw - 0.5:.1f} {shoulder_y - 7:.1f} "
        f"Q {mid - nw - 6:.1f} {shoulder_y - 3:.1f} {mid - sw + 6:.1f} {shoulder_y - 1:.1f} "
        f"Q {mid - sw:.1f} {shoulder_y:.1f} {mid - sw:.1f} {shoulder_y + 9:.1f} "
        f"L {mid - sw + 3:.1f} 100 M {mid + sw - 3:.1f} 100 L {mid + sw:.1f} {shoulder_y + 9:.1f} "
        f"Q {mid + sw:.1f} {shoulder_y:.1f} {mid + sw - 6:.1f} {shoulder_y - 1:.1f} "
        f"Q {mid + nw + 6:.1f} {shoulder_y - 3:.1f} {mid + nw + 0.5:.1f} {shoulder_y - 7:.1f} "
        f"L {mid + nw:.1f} {head_bottom - 3:.1f}"
    )
    blade = 16.0
    blades = (
        f"M {mid - 6:.1f} {shoulder_y + 8:.1f} L {mid - 6 - blade:.1f} {shoulder_y + 6:.1f} "
        f"L {mid - 8:.1f} {shoulder_y + 34:.1f} Z "
        f"M {mid + 6:.1f} {shoulder_y + 8:.1f} L {mid + 6 + blade:.1f} {shoulder_y + 6:.1f} "
        f"L {mid + 8:.1f} {shoulder_y + 34:.1f} Z"
    )
    spine = f"M {mid} {head_bottom - 2:.1f} L {mid} 100"
    return (
        _ellipse("body", mid, top + HEAD * scale / 2, HEAD_BREADTH * scale / 2, HEAD * scale / 2),
        _path("body", outline),
        _path("guide", spine),
        _path("guide", blades),
    )


def _foot(toes_up: bool, top_view: bool) -> tuple[Element, ...]:
    """One foot, toes at the top, big toe on the left: the top of a right foot with the ankle,
    or the sole of a left foot (a figure stands for either foot)."""
    length, mid = 88.0, 50.0
    scale = length / FOOT
    ball = FOOT_BREADTH * scale / 2
    heel = ball * 0.66
    tip_y, heel_y = 6.0, 6.0 + length
    base_y = tip_y + length * 0.17  # where the toes meet the foot
    ball_y = tip_y + length * 0.30
    arch_y = tip_y + length * 0.60
    left, right = mid - ball, mid + ball
    outline = (
        f"M {left + 1:.1f} {base_y:.1f} "
        f"Q {left - 1.5:.1f} {ball_y:.1f} {left + 1:.1f} {ball_y + 10:.1f} "
        f"Q {left + 5:.1f} {arch_y:.1f} {mid - heel:.1f} {arch_y + 14:.1f} "
        f"Q {mid - heel - 1:.1f} {heel_y:.1f} {mid:.1f} {heel_y:.1f} "
        f"Q {mid + heel + 1:.1f} {heel_y:.1f} {mid + heel:.1f} {arch_y + 14:.1f} "
        f"Q {right + 0.5:.1f} {arch_y - 6:.1f} {right:.1f} {ball_y + 4:.1f} "
        f"Q {right + 0.5:.1f} {base_y + 4:.1f} {right - 2:.1f} {base_y + 5:.1f} "
        f"Q {mid:.1f} {base_y - 4:.1f} {left + 1:.1f} {base_y:.1f}"
    )
    elements = [_path("body", outline)]
    # toes: the big toe widest and longest, then smaller toward the little toe
    widths = (8.8, 5.8, 5.2, 4.6, 4.0)
    heights = (13.0, 11.0, 9.6, 8.2, 6.8)
    x = left + 1.2
    for number, (w, h) in enumerate(zip(widths, heights, strict=True)):
        y_base = base_y + (0.3 if number == 0 else number * 1.6)
        elements.append(
            _path(
                "body",
                f"M {x:.1f} {y_base:.1f} L {x:.1f} {y_base - h + w / 2:.1f} "
                f"A {w / 2:.1f} {w / 2:.1f} 0 0 1 {x + w:.1f} {y_base - h + w / 2:.1f} "
                f"L {x + w:.1f} {y_base + (1.6 if number < 4 else 3):.1f}",
            )
        )
        x += w + 0.5
    if top_view:
        elements.append(
            _path(
                "guide",
                f"M {mid - heel + 2:.1f} {heel_y - 12:.1f} "
                f"Q {mid:.1f} {heel_y - 19:.1f} {mid + heel - 2:.1f} {heel_y - 12:.1f}",
            )
        )
        elements.append(
            _path("guide", f"M {left + 6:.1f} {base_y + 6:.1f} L {mid - 2:.1f} {arch_y:.1f}")
        )
    else:
        elements.append(
            _path(
                "guide",
                f"M {left + 3:.1f} {ball_y + 8:.1f} "
                f"Q {mid:.1f} {ball_y + 13:.1f} {right - 3:.1f} {ball_y + 6:.1f}",
            )
        )
        elements.append(_ellipse("guide", mid, heel_y - 13, heel - 4, 8))
    return tuple(elements)


def _hand(palm_side: bool) -> tuple[Element, ...]:
    """One hand, fingers up, the thumb on the right and the index finger next to it: the palm
    of a right hand, or the back of a left one (a figure stands for either hand)."""
    length, mid = 88.0, 50.0
    scale = length / HAND
    half = PALM_BREADTH * scale / 2
    wrist_y, knuckle_y = 98.0, 98.0 - length * 0.56
    # little finger on the left, the index next to the thumb: a hand as it is
    finger_len = (length * 0.33, length * 0.41, length * 0.44, length * 0.40)
    spacing = 2 * half / 4
    finger_x = tuple(mid - half + spacing * (i + 0.5) for i in range(4))
    fw = spacing / 2 - 0.4  # half a finger's width
    outline = (
        f"M {mid - half + 3:.1f} {wrist_y:.1f} L {mid - half:.1f} {knuckle_y + 14:.1f} "
        f"L {mid - half:.1f} {knuckle_y:.1f} M {mid + half:.1f} {knuckle_y:.1f} "
        f"L {mid + half:.1f} {knuckle_y + 22:.1f} "
        f"Q {mid + half + 12:.1f} {knuckle_y + 8:.1f} {mid + half + 17:.1f} {knuckle_y - 2:.1f} "
        f"Q {mid + half + 21:.1f} {knuckle_y + 2:.1f} {mid + half + 16:.1f} {knuckle_y + 14:.1f} "
        f"Q {mid + half + 9:.1f} {knuckle_y + 32:.1f} {mid + half - 3:.1f} {wrist_y:.1f}"
    )
    elements = [_path("body", outline)]
    for x, flen in zip(finger_x, finger_len, strict=True):
        elements.append(
            _path(
                "body",
                f"M {x - fw:.1f} {knuckle_y + 1:.1f} L {x - fw:.1f} {knuckle_y - flen + fw:.1f} "
                f"A {fw:.1f} {fw:.1f} 0 0 1 {x + fw:.1f} {knuckle_y - flen + fw:.1f} "
                f"L {x + fw:.1f} {knuckle_y + 1:.1f}",
            )
        )
    if palm_side:
        elements.append(
            _path(
                "guide",
                f"M {mid - half + 2:.1f} {knuckle_y + 9:.1f} "
                f"Q {mid:.1f} {knuckle_y + 14:.1f} {mid + half - 2:.1f} "
                f"{knuckle_y + 6:.1f}",
            )
        )
        elements.append(
            _path(
                "guide",
                f"M {mid + half - 3:.1f} {knuckle_y + 20:.1f} "
                f"Q {mid + 2:.1f} {knuckle_y + 26:.1f} {mid - 2:.1f} "
                f"{wrist_y - 4:.1f}",
            )
        )
    else:
        for x in finger_x:
            elements.append(_ellipse("guide", x, knuckle_y + 2, 2.2, 1.4))
        elements.append(
            _path(
                "guide",
                f"M {mid - half + 3:.1f} {wrist_y - 6:.1f} "
                f"L {mid + half - 3:.1f} {wrist_y - 6:.1f}",
            )
        )
    return tuple(elements)


def _scalp() -> tuple[Element, ...]:
    """The head seen from above, forehead at the top: the crown, the hairline, the ears."""
    mid = 50.0
    scale = 80.0 / HEAD_LENGTH_FROM_ABOVE
    half_length, half_breadth = 40.0, HEAD_BREADTH * scale / 2 * 0.97
    elements = [
        _ellipse("body", mid, 52, half_breadth, half_length),
        _path(
            "body",
            f"M {mid - half_breadth - 0.5:.1f} 47 q -5 3 0 11 "
            f"M {mid + half_breadth + 0.5:.1f} 47 q 5 3 0 11",
        ),
        _path("body", f"M {mid - 5:.1f} 12.5 Q {mid:.1f} 6 {mid + 5:.1f} 12.5"),
        _path(
            "guide",
            f"M {mid - half_breadth + 6:.1f} 32 Q {mid:.1f} 18 {mid + half_breadth - 6:.1f} 32",
        ),
        _path("guide", f"M {mid} 20 L {mid} 90"),
        _ellipse("guide", mid, 62, 2.5, 2.5),
    ]
    return tuple(elements)


def _face() -> tuple[Element, ...]:
    """The face seen from the front, lying on the back: eyes at half the head's height."""
    mid = 50.0
    half_height, half_breadth = 44.0, 44.0 * HEAD_BREADTH / HEAD
    crown, chin = 50 - half_height, 50 + half_height
    eye_y = (crown + chin) / 2
    nose_y = eye_y + (chin - eye_y) / 2.2
    mouth_y = nose_y + (chin - nose_y) / 2.4
    return (
        _path(
            "body",
            f"M {mid:.1f} {crown:.1f} "
            f"C {mid + half_breadth * 1.35:.1f} {crown:.1f} {mid + half_breadth:.1f} "
            f"{chin - 10:.1f} {mid:.1f} {chin:.1f} "
            f"C {mid - half_breadth:.1f} {chin - 10:.1f} "
            f"{mid - half_breadth * 1.35:.1f} {crown:.1f} {mid:.1f} {crown:.1f} Z",
        ),
        _path(
            "guide",
            f"M {mid - 15:.1f} {eye_y:.1f} q 5 -3 10 0 M {mid + 5:.1f} {eye_y:.1f} q 5 -3 10 0",
        ),
        _path(
            "guide",
            f"M {mid - 16:.1f} {eye_y - 7:.1f} q 6 -3 11 -1 "
            f"M {mid + 5:.1f} {eye_y - 8:.1f} q 6 -2 11 1",
        ),
        _path(
            "guide",
            f"M {mid:.1f} {eye_y + 3:.1f} L {mid - 2.5:.1f} {nose_y:.1f} "
            f"L {mid + 2:.1f} {nose_y:.1f}",
        ),
        _path("guide", f"M {mid - 7:.1f} {mouth_y:.1f} q 7 3 14 0"),
        _path(
            "guide",
            f"M {mid - 20:.1f} {crown + 16:.1f} Q {mid:.1f} {crown + 8:.1f} "
            f"{mid + 20:.1f} {crown + 16:.1f}",
        ),
    )


VIEWS: dict[str, View] = {
    view.name: view
    for view in (
        View("back", "The back, lying face down (head at the top)", _back),
        View(
            "lower-back",
            "The lower back and buttocks, lying face down (head at the top)",
            _lower_back,
        ),
        View(
            "shoulders",
            "Neck, shoulders and upper back from behind (seated, or lying face down)",
            _shoulders,
        ),
        View("sole", "The sole of a foot (toes at the top)", lambda: _foot(True, False)),
        View("foot-top", "The top of a foot (toes at the top)", lambda: _foot(True, True)),
        View("palm", "The palm of a hand (fingers at the top)", lambda: _hand(True)),
        View("hand-back", "The back of a hand (fingers at the top)", lambda: _hand(False)),
        View("scalp", "The head from above (forehead at the top)", _scalp),
        View("face", "The face, lying on the back", _face),
    )
}
"""Every view by name; ``coach.routine.schema.VIEW_NAMES`` lists the same names."""

AREA_VIEWS = {
    "back": "back",
    "neck-shoulders": "shoulders",
    "feet": "sole",
    "hands": "palm",
    "head": "scalp",
    "full-body": "back",
}
"""The view of a step without a figure, by its routine's area."""
