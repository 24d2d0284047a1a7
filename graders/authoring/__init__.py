"""Authoring: everything a course author imports to write a homework's reference module.

A reference module (``reference/hwN.py``) declares its questions, parameters and solutions
with these names only; the engine's modules behind them may move without a homework
changing. See ``reference/hw4.py`` for a complete example.
"""

from graders.checks.choice import (
    REGULARIZERS,
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
    check_expression,
    compare,
    sample_points,
)
from graders.checks.tables import (
    Diagnosis,
    DropoutTable,
    check_table,
    dropout_diagnoses,
    dropout_table,
    mirrored,
    transposed,
)
from graders.checks.training import (
    AlphaPart,
    Bar,
    BlockPart,
    ModelPart,
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
    Question,
    Text,
    Variation,
)
from graders.model.related import RelatedParts
from graders.runtime.data import (
    DataShelf,
    digits_training,
    loader_source,
    sample_size,
    shelf_of,
    to_npy,
)
from graders.student.reading_help import READING_HELP

__all__ = [
    "ABSENT",
    "READING_HELP",
    "REGULARIZERS",
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
    "Diagnosis",
    "DropoutTable",
    "ExpressionPart",
    "Homework",
    "Item",
    "Kind",
    "Limits",
    "Mistake",
    "ModelPart",
    "Names",
    "NumberPart",
    "Options",
    "Params",
    "ParseError",
    "Question",
    "RelatedParts",
    "Rule",
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
    "dropout_diagnoses",
    "dropout_table",
    "evaluate",
    "loader_source",
    "mirrored",
    "numeric_context",
    "parse_expression",
    "sample_points",
    "sample_size",
    "shelf_of",
    "sigmoid",
    "softplus",
    "to_npy",
    "transposed",
]
