"""皖扶看板 server entry: `streamlit run serve.py` (or `uvicorn serve:app`).

Streamlit's ASGI `st.App` runs app.py (the router) and adds the two routes that set and clear the
HttpOnly session cookie (fupin/webauth.py). `streamlit run app.py` still works, but then the cookie
is set by a script in the page and is not HttpOnly.
"""

import streamlit as st

from fupin import webauth

webauth.ROUTES_ACTIVE = True
app = st.App("app.py", routes=webauth.routes())
