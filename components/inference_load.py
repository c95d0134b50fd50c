"""DIET loaded for prediction without one step of training (a fix installed by
``components.rasa_patches``).

Rasa 3.6's ``RasaModel.load`` builds a model's weights by training it on one example (``fit`` with
an Adam optimizer), then reads the trained weights over them, then predicts once to trace the
prediction graph. The training step traces the training graph with its gradients and creates the
optimizer's slots, none of which a server ever uses: on this project's model that costs about 11 s
and 170 MB at every start of every process that answers citizens.

For DIET loaded to predict (not to be fine-tuned), the replacement reads the checkpoint first and
then predicts: each weight is created by that prediction and receives its trained value as it
is created (TensorFlow's deferred restoration, the same mechanism ``load_weights`` uses on the
built model). The label embeddings computed for prediction are therefore computed from the trained
weights. It then checks that every weight the model created was found in the checkpoint; the
optimizer's slots, which the checkpoint also holds, are not needed. If the check fails (a Rasa or
TensorFlow upgrade changed how weights are named), the model is loaded again by Rasa's own code
and the reason is logged, so an upgrade can never leave a model with untrained weights.
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Text

logger = logging.getLogger(__name__)

PATCHED_CLASS = "DIET"  # rasa.nlu.classifiers.diet_classifier.DIET; other models keep Rasa's load


def _load_for_prediction(original: Any) -> Any:
    def load(cls: Any, model_file_name: Text, model_data_example: Any, predict_data_example: Optional[Any] = None,
             finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if cls.__name__ != PATCHED_CLASS or finetune_mode or not predict_data_example:
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

        config = kwargs.get("config", {})
        model = cls(*args, **kwargs)
        # Compiled as Rasa compiles it (the optimizer stays unbuilt: nothing trains).
        model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
                      run_eagerly=config.get(RUN_EAGERLY))
        status = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)  # creates every weight prediction uses
        status.expect_partial()  # the optimizer's slots in the checkpoint stay unread
        try:
            status.assert_existing_objects_matched()
        except AssertionError as error:
            logger.warning("inference_load: the DIET checkpoint does not hold every weight the model "
                           "created (%s); loading it with Rasa's own code", str(error).splitlines()[0])
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        # The first prediction created the weights inside its traced graph, which TensorFlow then
        # guards with an "initialised?" test on every call (about 1 ms a parse): traced again now that
        # the weights exist, as Rasa's load traces it after training.
        model._tf_predict_step = None
        model.run_inference(predict_data_example)
        return model

    load.__wrapped__ = original  # type: ignore[attr-defined]
    return classmethod(load)


def apply() -> bool:
    """Install the replacement on ``RasaModel.load``; False (and Rasa left alone) if it changed."""
    from rasa.utils.tensorflow.models import RasaModel

    current = RasaModel.__dict__.get("load")
    if not isinstance(current, classmethod):
        return False
    original = current.__func__
    if getattr(original, "__name__", "") != "load":
        return False
    code = original.__code__
    if code.co_varnames[:5] != ("cls", "model_file_name", "model_data_example", "predict_data_example",
                                "finetune_mode") or not callable(getattr(RasaModel, "run_inference", None)):
        return False
    RasaModel.load = _load_for_prediction(original)  # type: ignore[assignment]
    return True
