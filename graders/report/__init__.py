"""Report: the last stage — HTML pages, results JSON and the gradebook CSV.

``reporter`` writes the files; ``feedback`` and ``classroom`` decide what the student's and the
class page say; ``mathml`` typesets formulas, ``charts`` draws SVG, ``i18n`` holds the words of
each language and ``templates/`` the Jinja pages.
"""
