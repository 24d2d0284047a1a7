"""Model: the plain data that flows between the stages.

``answers`` (what the harvest read and the checks judged), ``questions`` and ``parts`` (what a
homework declares), ``results`` (one graded submission and its JSON form), ``overrides``
(points a person gave) and ``variants`` (every student's own numbers).
"""
