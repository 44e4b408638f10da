"""Renderers: a run report or a compatibility matrix as Markdown, HTML or PNG.

Each module renders one form and imports only the model, the verdicts and
`text` (the helpers they share); none imports another renderer. Everything
that comes from a report is data, never markup: every renderer escapes it.
"""
