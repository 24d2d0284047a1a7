"""Maths: students' formulas read as sympy expressions without evaluating anything.

``expressions`` is the entry point; the stages it runs, in order, are ``text`` (clean-up),
``python_syntax`` or ``latex`` (the two readers, both to a Python ``ast``), ``builder`` (sympy,
through ``guards``, vetted by ``evaluation``); ``vocabulary`` and ``limits`` are what they share.
``numbers`` reads a number given as text.
"""
