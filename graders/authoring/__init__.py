"""Authoring: everything a course author imports to write a homework's reference module.

A reference module (``reference/hwN.py``) declares its questions, parameters and solutions
with these names only (besides numpy, sympy and the standard library); the engine's modules
behind them may move without a homework changing. See ``reference/hw4.py`` for a complete
example.

- Numbers, prompts and rubrics: a prompt is a template of the parameters (``{eta:g}``, and
  ``{points:g}`` for the question's points); a prompt, a rubric or a model answer may also be
  a function of the parameters (``Text``), resolved for each student's numbers.
- A homework's own kind of part implements ``Part`` (``items``, ``solve``, ``grade``; ``Probe``
  for one that runs code in the kernel), and may say what its items expect in the public
  manifest (``Describing``: ``Expectation``, ``Expect``, ``Sanity``); without that it is
  described by the type of its reference values.
- A ``Mistake`` is declared with a short id; the engine knows it with its homework's.
"""

from graders.checks.choice import (
    TRUE_FALSE,
    YES_NO,
    Options,
    check_choice,
    choice_options,
)
from graders.checks.derivation import (
    Derivation,
    Step,
)
from graders.checks.numeric import (
    Tolerance,
)
from graders.checks.symbolic import (
    FormulaDetail,
    check_expression,
    compare,
    sample_points,
)
from graders.checks.tables import (
    Diagnosis,
    check_table,
    mirrored,
    transposed,
)
from graders.checks.training import (
    AlphaPart,
    Bar,
    BlockPart,
    ModelPart,
    Norm,
    Penalty,
    Rule,
    TwinPart,
)
from graders.maths.expressions import (
    ParseError,
    evaluate,
    numeric_context,
    parse_expression,
    sigmoid,
    softplus,
)
from graders.model.answers import (
    ABSENT,
    Answer,
    Kind,
    Mistake,
    Status,
    Verdict,
)
from graders.model.described import (
    Describing,
    Expect,
    Expectation,
    Sanity,
)
from graders.model.parts import (
    ChoicePart,
    ExpressionPart,
    NumberPart,
    TablePart,
    TextPart,
)
from graders.model.questions import (
    Constraint,
    Homework,
    Item,
    Limits,
    Names,
    Params,
    Part,
    Probe,
    Question,
    Text,
    Variation,
)
from graders.model.related import RelatedParts
from graders.runtime.data import (
    HELD_OUT_MAX,
    DataShelf,
    Prepared,
    digits_training,
    loader_source,
    sample_size,
    to_npy,
)
from graders.student.reading_help import READING_HELP

__all__ = [
    "ABSENT",
    "HELD_OUT_MAX",
    "READING_HELP",
    "TRUE_FALSE",
    "YES_NO",
    "AlphaPart",
    "Answer",
    "Bar",
    "BlockPart",
    "ChoicePart",
    "Constraint",
    "DataShelf",
    "Derivation",
    "Describing",
    "Diagnosis",
    "Expect",
    "Expectation",
    "ExpressionPart",
    "FormulaDetail",
    "Homework",
    "Item",
    "Kind",
    "Limits",
    "Mistake",
    "ModelPart",
    "Names",
    "Norm",
    "NumberPart",
    "Options",
    "Params",
    "ParseError",
    "Part",
    "Penalty",
    "Prepared",
    "Probe",
    "Question",
    "RelatedParts",
    "Rule",
    "Sanity",
    "Status",
    "Step",
    "TablePart",
    "Text",
    "TextPart",
    "Tolerance",
    "TwinPart",
    "Variation",
    "Verdict",
    "check_choice",
    "check_expression",
    "check_table",
    "choice_options",
    "compare",
    "digits_training",
    "evaluate",
    "loader_source",
    "mirrored",
    "numeric_context",
    "parse_expression",
    "sample_points",
    "sample_size",
    "sigmoid",
    "softplus",
    "to_npy",
    "transposed",
]
