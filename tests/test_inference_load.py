"""components/inference_load.py: DIET loaded for prediction without a training step gives exactly the
predictions of Rasa's own load, on the project's trained model, and falls back to Rasa's load when
the checkpoint lacks a weight the model creates."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from rasa.core.agent import load_agent
from rasa.utils.tensorflow.models import RasaModel

import components  # noqa: F401 - installs the fixes
from components import inference_load

MODEL = Path(__file__).resolve().parents[1] / "models" / "zalo-an-ninh.tar.gz"
# Citizens' messages as typed: with and without diacritics, teencode, old names, reports, chit-chat.
MESSAGES = [
    "làm căn cước mất bao lâu", "lam can cuoc mat bao lau", "đăng ký tạm trú cần giấy tờ gì",
    "dk tam tru can gi", "cắt khẩu thế nào", "KT3 hết hạn thì sao", "mất chứng minh thư làm lại ở đâu",
    "sang tên xe máy lệ phí bao nhiêu", "bien so xe bao nhieu tien", "nhà bên cạnh đánh nhau",
    "tôi muốn tố giác đánh bạc", "có người trộm xe của tôi", "tra cứu CB-2026-0001", "số đường dây nóng",
    "lịch tuần tra csgt", "xin chào", "cảm ơn nhé", "bạn là ai", "ko hiểu", "hộ chiếu làm online dc ko",
    "giấy phép pccc quán karaoke", "công an huyện ở đâu", "ok", "gặp cán bộ", "cháy nhà", "/greet",
]

Ranking = List[Tuple[str, float]]


def _predictions() -> Dict[str, Ranking]:
    async def run() -> Dict[str, Ranking]:
        agent = await load_agent(model_path=str(MODEL))
        found = {}
        for text in MESSAGES:
            parsed = await agent.parse_message(text)
            found[text] = [(i["name"], i["confidence"]) for i in parsed["intent_ranking"]]
        return found

    return asyncio.run(run())


@pytest.fixture(scope="module")
def rasa_load() -> Dict[str, Ranking]:
    """Predictions of the model loaded by Rasa's own ``RasaModel.load``."""
    if not MODEL.is_file():
        pytest.fail("no trained model: run make train", pytrace=False)
    patched = RasaModel.__dict__["load"]
    RasaModel.load = classmethod(patched.__func__.__wrapped__)
    try:
        return _predictions()
    finally:
        RasaModel.load = patched


def test_the_fix_is_installed():
    assert getattr(RasaModel.load.__func__, "__wrapped__", None) is not None


def test_same_predictions_as_rasas_load(rasa_load):
    light = _predictions()
    assert light.keys() == rasa_load.keys()
    for text in MESSAGES:
        assert light[text] == rasa_load[text], text  # same intents, same order, same confidences


def test_a_weight_missing_from_the_checkpoint_falls_back_to_rasas_load(rasa_load, monkeypatch, caplog):
    import tensorflow as tf
    from rasa.nlu.classifiers.diet_classifier import DIET

    original = DIET.prepare_for_predict

    def prepare_with_an_extra_weight(self):  # a weight the checkpoint cannot hold
        if not hasattr(self, "zalo_extra"):
            self.zalo_extra = tf.Variable(1.0, name="zalo_extra")
        original(self)

    monkeypatch.setattr(DIET, "prepare_for_predict", prepare_with_an_extra_weight)
    with caplog.at_level(logging.WARNING, logger=inference_load.__name__):
        fallback = _predictions()
    assert "loading it with Rasa's own code" in caplog.text
    assert fallback == rasa_load


def test_other_models_and_fine_tuning_keep_rasas_load(monkeypatch):
    calls = []
    monkeypatch.setattr(RasaModel, "load", inference_load._load_for_prediction(
        lambda cls, *args, **kwargs: calls.append((cls.__name__, args[3])) or "rasa's"))

    class TED(RasaModel):  # noqa: D401 - named as Rasa's policy model
        pass

    from rasa.nlu.classifiers.diet_classifier import DIET

    assert TED.load("weights", object(), object()) == "rasa's"
    assert DIET.load("weights", object(), object(), True) == "rasa's"  # fine-tuning: Rasa's training step
    assert DIET.load("weights", object(), None) == "rasa's"  # nothing to predict on
    assert calls == [("TED", False), ("DIET", True), ("DIET", False)]
