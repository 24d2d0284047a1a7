"""Training questions: the student's trained model is measured by the grader, not believed.

The package, in the order a verdict is made:

- ``probe``: what a probe measures in the kernel (``Measure``, ``build_probe``). The part's
  probe hands the kernel the grader's held-out inputs (``.grader/<dataset>-heldout.npy``,
  uint8, loaded with ``allow_pickle=False``; never their labels) and the first training
  examples; in the kernel the model runs on them in eval mode under ``torch.no_grad()``, fed
  ``uint8 / 255`` float32 images shaped (N, C, H, W) like ``load_dataset`` gives, and its
  outputs come out as arrays. The pipeline reads them only from the final harvest.
- ``metrics``: pure functions of outputs and labels (accuracy, per-class accuracy,
  cross-entropy, binary cross-entropy, ``measure``, the train-test gap, a reported figure
  read as a fraction, ``affine_residual``).
- ``figures``: what was measured of one model (``Figures``), read from the probe's results
  against the labels the grader kept.
- ``baseline``: what the grader fits itself (a logistic regression's held-out accuracy); not
  a check, computed by the parts before the verdicts.
- ``verdicts``: pure decisions from figures (and reported answers) to ``Verdict``s, the bars
  (``Bar``) and rules (``Rule``) a question declares, the named mistakes.
- ``detail``: ``TrainingDetail``, the typed detail of every training verdict (``to_json`` is
  the record's ``extra``; ``from_json`` reads it back).
- ``parts``: the parts a reference module builds questions from (``ModelPart``, ``TwinPart``,
  ``BlockPart``, ``AlphaPart``), which take the batch's datasets from the ``CheckContext``
  (``graders.model.context``), never from the parameters.

Course content (the options a penalty is read with, the notes that explain a homework's dataset
sizes) is declared by the homework in ``reference/`` and handed to these parts.
"""

from graders.checks.training.baseline import LINEAR_SAMPLE, linear_accuracy
from graders.checks.training.detail import FigureMap, TrainingDetail
from graders.checks.training.figures import (
    Figures,
    array_of,
    number_of,
    read_figures,
    read_shape_figures,
    text_of,
)
from graders.checks.training.metrics import (
    LOG_FLOOR,
    PROBABILITY_SUM,
    Measurement,
    accuracy,
    affine_residual,
    as_fraction,
    binary_cross_entropy,
    binary_probabilities,
    cross_entropy,
    discrepant,
    gap,
    is_probabilities,
    log_probabilities,
    measure,
    parametric_activation,
    per_class_accuracy,
    predicted_classes,
)
from graders.checks.training.parts import (
    AlphaPart,
    BlockPart,
    ModelPart,
    Penalty,
    SizeNotes,
    TwinPart,
)
from graders.checks.training.probe import Measure, build_probe
from graders.checks.training.verdicts import (
    ACTIVATION_SWAPPED,
    AFFINE,
    CHANGE_FLOOR,
    DIFFERENT_ARCHITECTURE,
    NOT_SEQUENTIAL,
    NOT_SUBCLASS,
    REPORTED_NOT_MEASURED,
    SPATIAL_SIZE,
    Bar,
    Bars,
    Norm,
    Rule,
    check_history,
    check_positive,
    check_reported,
    check_reported_many,
    check_transforms,
    judge_model,
)

__all__ = [
    "ACTIVATION_SWAPPED",
    "AFFINE",
    "CHANGE_FLOOR",
    "DIFFERENT_ARCHITECTURE",
    "LINEAR_SAMPLE",
    "LOG_FLOOR",
    "NOT_SEQUENTIAL",
    "NOT_SUBCLASS",
    "PROBABILITY_SUM",
    "REPORTED_NOT_MEASURED",
    "SPATIAL_SIZE",
    "AlphaPart",
    "Bar",
    "Bars",
    "BlockPart",
    "FigureMap",
    "Figures",
    "Measure",
    "Measurement",
    "ModelPart",
    "Norm",
    "Penalty",
    "Rule",
    "SizeNotes",
    "TrainingDetail",
    "TwinPart",
    "accuracy",
    "affine_residual",
    "array_of",
    "as_fraction",
    "binary_cross_entropy",
    "binary_probabilities",
    "build_probe",
    "check_history",
    "check_positive",
    "check_reported",
    "check_reported_many",
    "check_transforms",
    "cross_entropy",
    "discrepant",
    "gap",
    "is_probabilities",
    "judge_model",
    "linear_accuracy",
    "log_probabilities",
    "measure",
    "number_of",
    "parametric_activation",
    "per_class_accuracy",
    "predicted_classes",
    "read_figures",
    "read_shape_figures",
    "text_of",
]
