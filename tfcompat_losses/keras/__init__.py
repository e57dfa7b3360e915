"""Contrib's losses as Keras ``Loss`` classes, and contrib collections in Keras.

One ``Loss`` class per contrib loss, with Keras' call convention
``loss(y_true, y_pred, sample_weight=None)`` and contrib's number: the value
of the functional loss with ``weights=sample_weight``, averaged by the count
of nonzero weights (``[B]`` weights scale each sample's summed loss). Keras'
own reductions average differently, so these classes reduce by themselves
(``reduction="sum_by_nonzero_weights"``, the default); Keras' reduction
strings are accepted too and then apply to contrib's per-element losses.

The Keras flavour is ``tf.keras``: Keras 3, or tf_keras (Keras 2) when
``TF_USE_LEGACY_KERAS=1``, so the classes match the user's models.

>>> import numpy as np
>>> from tfcompat_losses import keras as tck
>>> y_true = np.zeros((4, 2), np.float32)
>>> y_pred = np.array([[1, 1], [2, 2], [3, 3], [4, 4]], np.float32)
>>> w = np.array([1.0, 0.0, 2.0, 0.0], np.float32)
>>> float(tck.MeanSquaredError()(y_true, y_pred, sample_weight=w))  # (2 + 2*18) / (2*2)
9.5
>>> float(tck.MeanSquaredError(reduction="sum_over_batch_size")(y_true, y_pred, w))
4.75

In ``model.compile(loss=tck.SoftmaxCrossEntropy())`` (or by name,
``loss="tfcompat_losses>SoftmaxCrossEntropy"``) ``fit``/``evaluate`` report
contrib's numbers. :func:`collect_into` sends the losses contrib functions
create inside a layer's ``call()`` to ``layer.add_loss``, and
:func:`add_model_losses` puts a model's ``model.losses`` into the collection
emulator for custom training loops.

Notes:
  * Keras 3 looks loss strings up only in its own table; importing this
    module adds the ``"tfcompat_losses>..."`` names to it (see
    ``tfcompat_losses._keras_names``).
  * tf_keras: pass an instance, not the class or its string name, to
    ``compile`` if the model is saved to ``.keras``. tf_keras reloads a
    registered class name as the class and then calls it as a loss
    function (true of any registered ``Loss`` subclass).
"""

from __future__ import annotations

from .. import _keras_names
from ._base import _KERAS_REDUCTIONS as _KERAS_REDUCTIONS  # Keras' own, for the tests
from ._base import CONTRIB_REDUCTION, ContribLoss
from ._base import KERAS3 as KERAS3
from ._base import PACKAGE as PACKAGE
from ._layers import add_model_losses, collect_into
from ._losses import (
    _CLASSES,
    AbsoluteDifference,
    CosineDistance,
    HingeLoss,
    LogLoss,
    MeanPairwiseSquaredError,
    MeanSquaredError,
    SigmoidCrossEntropy,
    SoftmaxCrossEntropy,
    SparseSoftmaxCrossEntropy,
)
from ._metric_learning import LiftedStructLoss, TripletSemiHardLoss

__all__ = [
    "CONTRIB_REDUCTION",
    "AbsoluteDifference",
    "ContribLoss",
    "CosineDistance",
    "HingeLoss",
    "LiftedStructLoss",
    "LogLoss",
    "MeanPairwiseSquaredError",
    "MeanSquaredError",
    "SigmoidCrossEntropy",
    "SoftmaxCrossEntropy",
    "SparseSoftmaxCrossEntropy",
    "TripletSemiHardLoss",
    "add_model_losses",
    "collect_into",
]

# The public classes are documented, serialized (Keras records the module)
# and doctested as ``tfcompat_losses.keras.X``, where they lived before the
# module became a package.
for _cls in (ContribLoss, *_CLASSES, TripletSemiHardLoss, LiftedStructLoss):
    _cls.__module__ = __name__
del _cls

if KERAS3:
    _keras_names.add_string_names(PACKAGE, (*_CLASSES, TripletSemiHardLoss, LiftedStructLoss))
