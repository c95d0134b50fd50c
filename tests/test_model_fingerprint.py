"""A lexicon edit always reaches the model, even when Rasa's training cache is warm.

Rasa keys its cache on a component's class source and config; our components also declare the
editor files and helper modules they read (``fingerprint_addon``). The slow test trains a tiny
NLU model with the project's own tokenizer and extractor in a temporary folder, edits the copied
compound list, retrains with the same cache and reads the featurizer's vocabulary from the model.
"""
import json
import shutil
import tarfile
import textwrap
from pathlib import Path

import pytest

from anninh import CONTENT_DIR, PROJECT_ROOT
from anninh.fingerprint import module_files
from anninh.lexicon import load_lexicon
from components.lexicon_entity_extractor import LexiconEntityExtractor
from components.vi_tokenizer import VietnameseTokenizer

NEW_COMPOUND = "mèo mun"  # not a compound in the project's list: "meo mun" gives two lemmas


def _copy_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "lexicon", content / "lexicon")
    shutil.copy(CONTENT_DIR / "places.yml", content / "places.yml")
    return content


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def test_helper_modules_are_covered():
    tokenizer = {p.relative_to(PROJECT_ROOT).as_posix() for p in module_files("components.vi_tokenizer")}
    assert {"components/vi_tokenizer.py", "anninh/lexicon.py", "anninh/text.py",
            "anninh/content.py", "anninh/__init__.py"} <= tokenizer
    extractor = {p.relative_to(PROJECT_ROOT).as_posix()
                 for p in module_files("components.lexicon_entity_extractor")}
    assert {"anninh/places.py", "anninh/entities.py", "anninh/text.py"} <= extractor


@pytest.mark.parametrize("component, key, edited", [
    (VietnameseTokenizer, "lexicon_dir", "compounds.txt"),
    (VietnameseTokenizer, "lexicon_dir", "abbreviations.yml"),
    (LexiconEntityExtractor, "content_dir", "places.yml"),
    (LexiconEntityExtractor, "content_dir", "lexicon/entities.yml"),
])
def test_fingerprint_follows_the_files_read(tmp_path, component, key, edited):
    content = _copy_content(tmp_path)
    folder = content / "lexicon" if key == "lexicon_dir" else content
    config = {**component.get_default_config(), key: str(folder)}
    before = component.fingerprint_addon(config)
    assert component.fingerprint_addon(config) == before  # stable
    _append(folder / edited, "# edited")
    assert component.fingerprint_addon(config) != before


def _write_project(tmp_path: Path, content: Path) -> Path:
    config = tmp_path / "config.yml"
    config.write_text(textwrap.dedent(f"""\
        recipe: default.v1
        language: vi
        assistant_id: fingerprint-test
        pipeline:
          - name: components.vi_tokenizer.VietnameseTokenizer
            lexicon_dir: {content / "lexicon"}
          - name: components.lexicon_entity_extractor.LexiconEntityExtractor
            content_dir: {content}
          - name: CountVectorsFeaturizer
            analyzer: word
            use_lemma: true
          - name: LogisticRegressionClassifier
        policies: []
        """), encoding="utf-8")
    (tmp_path / "nlu.yml").write_text(textwrap.dedent("""\
        version: "3.1"
        nlu:
        - intent: lost_pet
          examples: |
            - nha toi mat con meo mun
            - tim giup con meo mun bi lac
            - mèo mun nhà em đi lạc
        - intent: ask_procedure
          examples: |
            - dang ky tam tru can gi
            - làm căn cước ở đâu
            - sang ten xe may
        """), encoding="utf-8")
    return config


def _train_and_read_vocabulary(tmp_path: Path, config: Path, name: str) -> set:
    from rasa.model_training import train_nlu

    model = train_nlu(str(config), str(tmp_path / "nlu.yml"), str(tmp_path / "models"),
                      fixed_model_name=name)
    assert model, "training failed"
    with tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("vocabularies.json"))
        vocabularies = json.load(archive.extractfile(member))
    return set(vocabularies["text"])


def test_lexicon_edit_reaches_the_model_with_a_warm_cache(tmp_path, monkeypatch):
    content = _copy_content(tmp_path)
    config = _write_project(tmp_path, content)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)

    before = _train_and_read_vocabulary(tmp_path, config, "before")
    assert {"meo", "mun"} <= before and "meo_mun" not in before

    _append(content / "lexicon" / "compounds.txt", NEW_COMPOUND)
    load_lexicon.cache_clear()  # `rasa train` is a new process; here the same one trains again
    after = _train_and_read_vocabulary(tmp_path, config, "after")
    assert "meo_mun" in after, "the featurizer was restored from the cache with the old lemmas"
    assert "mun" not in after
