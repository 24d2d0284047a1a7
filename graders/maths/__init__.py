"""Maths: students' formulas read as sympy expressions without evaluating anything."""
