"""The phone pages and the feed in the session's language: a French export's player in French
(in a real headless Chromium), the index and the New session form in the browser's language,
the feed's ``<language>`` read back by feedparser."""

from __future__ import annotations

import http.client
import io
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from PIL import Image

from coach.export.cover import cover_png
from coach.serve.feed import feed_xml
from coach.serve.library import Library
from coach.serve.maker import Maker
from coach.serve.words import page_language
from tests.serve.conftest import TOKEN, Served
from tests.serve.test_browser import ARTIFACTS, audio, browser_session, seek_to, wait_for
from tests.serve.test_new_session import FORM, Live, post_form, request, start


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_session() as driver:
        yield driver


def get(served: Served, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(served.host, served.port, timeout=20)
    try:
        conn.request("GET", f"/{TOKEN}/{path}", headers=headers)
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def text(browser: Any, ident: str) -> str:
    return str(browser.find_element("id", ident).text)


def label(browser: Any, ident: str) -> str:
    return str(browser.find_element("id", ident).get_attribute("aria-label"))


def test_a_french_export_plays_in_french(browser: Any, figure_served: Served) -> None:
    browser.get(figure_served.root)
    browser.execute_script("localStorage.clear()")
    browser.get(f"{figure_served.root}play/dos")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    assert browser.find_element("css selector", "a.back").text == "\u2039 Séances"
    _, _, served_page = get(figure_served, "play/dos")  # before its script runs
    assert "Appuie sur lecture pour commencer." in served_page
    assert text(browser, "step-title") == "Introduction"
    assert [label(browser, i) for i in ("back15", "prev", "play", "next", "fwd15")] == [
        "Reculer de 15 secondes", "Étape précédente", "Lecture", "Étape suivante",
        "Avancer de 15 secondes",
    ]  # fmt: skip
    assert label(browser, "seek") == "Position dans la séance"
    assert browser.find_element("css selector", ".step-list h2").text == "Étapes"
    assert text(browser, "dim") == "Tamiser"
    download = browser.find_element("css selector", "a.download[download]").text
    assert download.startswith("Télécharger le MP3 (") and download.endswith(" Mo)")
    assert "," in download  # 1,5 Mo: a French decimal comma
    steps = browser.find_elements("css selector", "#steps .step")
    assert steps[1].get_attribute("aria-label") == "Étape 2 sur 5 : Spirales des pouces"
    timeline = figure_served.exported.rendered.timeline  # the English one: the same times
    french = Library(figure_served.exported.folder).session("dos")
    assert french is not None and french.language == "fr"
    glide = french.work[0]
    seek_to(browser, glide.start_ms / 1000 + 0.5)
    assert text(browser, "step-title") == "Étape 1 sur 5 : Longs effleurages"
    assert text(browser, "counter") == "Mouvement 1 sur 3"
    letters = browser.execute_script(
        "return [...document.querySelectorAll('#figures .figure:not([hidden]) .hand text')]"
        ".map(t => t.textContent)"
    )
    assert letters == ["G", "D"]  # gauche, droite
    one_line = browser.execute_script(
        "const c = document.getElementById('counter');"
        "return c.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(c).lineHeight)"
    )
    assert one_line  # a longer word than "Stroke" does not wrap the counter
    assert text(browser, "step-left").startswith("encore ")
    assert text(browser, "step-left").endswith(" pour cette étape")
    assert text(browser, "session-left").startswith("encore ")
    hold = next(w for w in french.work if w.kind == "holds")
    seek_to(browser, hold.start_ms / 1000 + 0.5)
    assert text(browser, "counter") == "Maintien 1 sur 2"
    timed = next(w for w in french.work if w.kind == "timed")
    seek_to(browser, timed.start_ms / 1000 + 2.5)
    assert text(browser, "counter").startswith("encore 0:")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", steps[2])
    steps[2].click()
    assert text(browser, "jump") == "Lire à partir d'ici"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seek_to(browser, glide.start_ms / 1000 + 1.5)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTIFACTS / "phone-player-fr.png"))
    browser.find_element("id", "dim").click()
    assert text(browser, "dim") == "Éclairer"
    browser.find_element("id", "dim").click()
    # The English session of the same folder stays English.
    browser.get(f"{figure_served.root}play/figures")
    wait_for(lambda: audio(browser, "a.readyState >= 1"))
    assert label(browser, "play") == "Play"
    seek_to(browser, timeline.steps[0].work[0].start_ms / 1000 + 0.5)
    assert text(browser, "counter") == "Stroke 1 of 3"


def test_the_index_speaks_the_browsers_language(figure_served: Served) -> None:
    status, headers, page = get(figure_served, "", **{"Accept-Language": "fr-CH, fr;q=0.9"})
    assert status == 200 and "Accept-Language" in headers["vary"]
    assert '<html lang="fr">' in page
    assert "<h1>Séances de massage</h1>" in page
    assert "5 étapes" in page and "voix fake (fake)" in page
    assert 'Abonne-toi à <a href="feed.xml">ce flux</a> (copie son adresse' in page
    # Weights count, and a language coach does not speak is passed over.
    _, _, german = get(figure_served, "", **{"Accept-Language": "ja, fr;q=0.5, de;q=0.8"})
    assert '<html lang="de">' in german and "5 Schritte" in german
    # Nothing it speaks: the sessions' language if they all speak one; here they do not.
    _, _, fallback = get(figure_served, "", **{"Accept-Language": "ja"})
    assert '<html lang="en">' in fallback and "5 steps" in fallback


@pytest.mark.parametrize(
    ("header", "spoken", "chosen"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.8", (), "nl"),
        ("en-US,en;q=0.9,fr;q=0.8", ("fr",), "en"),
        ("ja", ("fr", "fr"), "fr"),
        ("ja", ("fr", "en"), "en"),
        (None, ("it",), "it"),
        ("fr;q=0, es", (), "es"),
        ("*", (), "en"),
        ("pt-BR", (), "pt"),
        ("fr;q=abc", (), "en"),
    ],
)
def test_the_pages_language(header: str | None, spoken: tuple[str, ...], chosen: str) -> None:
    assert page_language(header, spoken) == chosen


def test_the_new_session_form_and_its_errors_in_the_browsers_language(tmp_path: Path) -> None:
    folder = tmp_path / "served"
    folder.mkdir()
    running = start(folder, Maker(folder, "fake", None))
    live: Live = next(running)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=20)
        conn.request("GET", f"/{TOKEN}/new", headers={"Accept-Language": "es-ES,es;q=0.9"})
        form = conn.getresponse().read().decode("utf-8")
        conn.close()
        assert '<html lang="es">' in form and "<h1>Nueva sesión</h1>" in form
        assert "Duración en minutos" in form and "Crear la sesión" in form
        assert '<option value="brief">Poco</option>' in form
        status, _, page = post_form(live, {**FORM, "minutes": "999"}, **{"Accept-Language": "it"})
        assert status == 400
        assert "La durata deve essere un numero intero di minuti da 1 a 240." in page
        status, _, page = post_form(live, {**FORM, "pulse": "loud"}, **{"Accept-Language": "de"})
        assert "Wähl einen der angebotenen Werte für „Takt bei jeder Bewegung“." in page
    finally:
        next(running, None)


def test_the_feed_says_its_language(figure_served: Served, tmp_path: Path) -> None:
    _, _, body = get(figure_served, "feed.xml")
    feed = feedparser.parse(body)
    assert feed.feed.language == "en"  # two English sessions, one French
    french = next(e for e in feed.entries if e.title == "Le dos en images")
    assert french.summary.startswith("Le dos en images. Étapes : 1. Longs effleurages; ")
    assert '<podcast:transcript url="' in body and 'language="fr"' in body
    # A folder of French sessions only: a French feed.
    only = tmp_path / "fr"
    only.mkdir()
    for path in figure_served.exported.folder.glob("dos.*"):
        if path.is_dir():  # the chapters' pictures
            shutil.copytree(path, only / path.name)
        else:
            shutil.copy2(path, only / path.name)
    base = "http://127.0.0.1:1/t/"
    feed = feedparser.parse(feed_xml(Library(only).sessions(), base))
    assert feed.feed.language == "fr"
    assert feed.feed.title == "coach : séances de massage"
    assert (
        feed.feed.subtitle
        == "Des séances de massage guidées, étape par étape, exportées par coach."
    )
    assert urllib.parse.urlparse(feed.entries[0].enclosures[0].href).path == "/t/files/dos.mp3"


def _bytes(live: Live, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=20)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_shows_artwork_is_drawn_in_the_feeds_language(
    figure_served: Served, tmp_path: Path
) -> None:
    """The artwork said "massage sessions" in English above a French feed; each language now
    has its own, at a URL of its own (the English one where it always was)."""
    only = tmp_path / "fr"
    only.mkdir()
    for path in figure_served.exported.folder.glob("dos.*"):
        if path.is_file():
            shutil.copy2(path, only / path.name)
    running = start(only, Maker(only, "fake", None))
    live: Live = next(running)
    try:
        _, _, body = request(live, "GET", f"/{TOKEN}/feed.xml")
        assert feedparser.parse(body).feed.image.href == f"{live.root}cover-fr.png"
        status, french = _bytes(live, f"/{TOKEN}/cover-fr.png")
        assert status == 200 and french == cover_png("séances de massage")
        status, english = _bytes(live, f"/{TOKEN}/cover.png")
        assert status == 200 and english == cover_png("massage sessions") != french
        assert _bytes(live, f"/{TOKEN}/cover-xx.png")[0] == 404
    finally:
        next(running, None)
    square = Image.open(io.BytesIO(french))
    assert square.format == "PNG" and square.size == (1400, 1400)
