"""The staff console (workbench) at /console: a room above flows/ and storage/, one module per page.

`app.py` assembles the pages (`PAGES`); `routing.py` is how a page declares its routes and who may call them;
`access.py` is the one middleware that enforces those declarations (sign-in, role, CSRF, scope) and audits
refusals; `context.py` is what a handler receives. Handlers call flow and storage functions and render a
template (templates/), with htmx for partial updates and ECharts for charts (static/, vendored). How to add a
page: README.md beside this file.
"""
