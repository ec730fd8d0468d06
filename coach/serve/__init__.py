"""``coach serve``: the exports of a folder on the home network, for a phone.

- :mod:`coach.serve.library` reads the sessions from the files in the folder (each request
  sees new exports; what it read is kept per file modification time);
- :mod:`coach.serve.pages` and :mod:`coach.serve.feed` make the phone pages and the podcast
  feed from them;
- :mod:`coach.serve.app` is the web application (Starlette): the access token, containment,
  and the files with Range requests;
- :mod:`coach.serve.server` binds the socket, finds the address to show and runs uvicorn.
"""
