"""The volunteers' page (`letters serve`): a face over the API, like the command line.

`app.py` is the Flask application (routes, forms, safety headers), `serve.py`
runs it on waitress and prints the address and access codes, `marks.py` splits a
letter into the pieces the lint marks, `i18n.py` loads the interface's
translations (gettext catalogues, as data).
"""
