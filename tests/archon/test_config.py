import json
from pathlib import Path

import pytest

import archon
from archon import ConfigError, load_config

GEN = {"type": "generator", "model": "m", "model_type": "scripted"}


def cfg(*layers, **top):
    return {"name": "t", "layers": [list(layer) for layer in layers], **top}


def test_every_published_config_loads_and_constructs(shared_data):
    files = sorted((shared_data / "archon_configs").glob("*.json"))
    assert len(files) == 176
    for f in files:
        c = load_config(f)
        assert c.layers and all(c.layers)
        a = archon.Archon(c, cache=False)  # no API key needed to construct
        assert len(a.layers) == len(c.layers)


# Published Archon configs that are not in shared/data (from the Archon repository's history):
# legacy dict layers, Bedrock, the MoA-lite fuser with PairRM ranker_config, o1 models.
OTHER_PUBLISHED = [
    {
        "name": "llama3-70b-bedrock",
        "layers": [
            {
                "branches": 1,
                "models": [
                    {
                        "type": "generator",
                        "model": "bedrock/meta.llama3-70b-instruct-v1:0",
                        "model_type": "Bedrock_API",
                        "top_k": 1,
                        "temperature": 0.7,
                        "max_tokens": 2048,
                        "samples": 1,
                    }
                ],
            }
        ],
    },
    {
        "name": "archon-MoA-lite",
        "layers": [
            [
                {
                    "type": "generator",
                    "model": "microsoft/WizardLM-2-8x22B",
                    "model_type": "Together_API",
                    "top_k": 1,
                    "temperature": 0.7,
                    "max_tokens": 2048,
                },
                {
                    "type": "generator",
                    "model": "Qwen/Qwen1.5-110B-Chat",
                    "model_type": "Together_API",
                    "top_k": 1,
                    "temperature": 0.7,
                    "max_tokens": 2048,
                },
            ],
            [
                {
                    "type": "fuser",
                    "model": "Qwen/Qwen1.5-72B-Chat",
                    "model_type": "Together_API",
                    "top_k": 1,
                    "temperature": 0.7,
                    "max_tokens": 2048,
                    "top_k_generations": 2,
                    "fuse_generations_count": 1,
                    "ranker_config": {
                        "ranker_checkpoint": "llm-blender/PairRM",
                        "ranker_batch_size": 16,
                    },
                }
            ],
        ],
    },
    {
        "name": "gpt-o1-mini-2024-09-12",
        "layers": [
            {
                "branches": 1,
                "models": [
                    {
                        "type": "generator",
                        "model": "o1-mini-2024-09-12",
                        "model_type": "OpenAI_API",
                        "top_k": 1,
                        "temperature": 0.7,
                        "max_tokens": 2048,
                        "samples": 1,
                    }
                ],
            }
        ],
    },
    {
        "name": "archon-vllm-example",
        "layers": [
            {
                "type": "generator",
                "model": "facebook/opt-125m",
                "model_type": "vLLM",
                "temperature": 0.7,
                "max_tokens": 2048,
                "samples": 1,
            }
        ],
    },
    {
        "name": "7B_models_then_ranker",
        "layers": [
            [
                {
                    "type": "generator",
                    "model": "mistralai/Mistral-7B-Instruct-v0.3",
                    "model_type": "Together_API",
                    "temperature": 0.7,
                    "max_tokens": 2048,
                    "samples": 1,
                }
            ],
            [
                {
                    "type": "ranker",
                    "model": "Qwen/Qwen1.5-14B-Chat",
                    "ranker_batch_size": 16,
                    "model_type": "Together_API",
                    "top_k": 3,
                    "temperature": 0.7,
                    "max_tokens": 2048,
                    "use_critiques": False,
                }
            ],
            [
                {
                    "type": "critic",
                    "model": "Qwen/Qwen1.5-14B-Chat",
                    "model_type": "Together_API",
                    "temperature": 0.7,
                    "max_tokens": 8192,
                    "samples": 1,
                }
            ],
            [
                {
                    "type": "fuser",
                    "model": "Qwen/Qwen1.5-14B-Chat",
                    "model_type": "Together_API",
                    "temperature": 0.7,
                    "max_tokens": 8192,
                    "samples": 1,
                }
            ],
        ],
    },
]


@pytest.mark.parametrize("data", OTHER_PUBLISHED, ids=lambda d: d["name"])
def test_other_published_configs_load(data):
    c = load_config(data)
    archon.Archon(c, cache=False)


def test_legacy_misspelling_is_read_with_warning(caplog):
    c = load_config(cfg([GEN], [{**GEN, "type": "fuser", "length_contorl": True}]))
    assert c.layers[1][0].length_control is True
    assert "misspelling" in caplog.text


def test_pairrm_ranker_with_empty_model_type():
    c = load_config(
        cfg(
            [GEN], [{"type": "ranker", "model": "llm-blender/PairRM", "model_type": "", "top_k": 2}]
        )
    )
    assert c.layers[1][0].model_type == "pairrm"


def test_round_trip_archon_dict():
    c = load_config(cfg([{**GEN, "samples": 3}], [{**GEN, "type": "ranker", "top_k": 2}]))
    again = load_config(c.archon_dict())
    assert again == c and again.config_hash() == c.config_hash()


def test_malformed_json_names_file_line_column(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{\n  "name": "x",\n  "layers": [\n    [ {"type": "generator",, } ]\n  ]\n}\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(p) in str(e.value) and "line 4" in str(e.value) and "column" in str(e.value)


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (cfg([{**GEN, "type": "genrator"}]), ["layers[0][0].type", "did you mean 'generator'"]),
        (cfg([{**GEN, "model_type": "Togther_API"}]), ["layers[0][0].model_type", "Together_API"]),
        (cfg([{"type": "generator", "model_type": "scripted"}]), ["layers[0][0].model", "missing"]),
        (cfg([{**GEN, "samples": 0}]), ["layers[0][0].samples", "greater than or equal to 1"]),
        (cfg([GEN], [{**GEN, "type": "ranker", "top_k": 0}]), ["layers[1][0].top_k"]),
        (cfg([GEN], [{**GEN, "type": "ranker"}]), ["layers[1][0].top_k", "missing"]),
        (cfg([{**GEN, "type": "ranker", "top_k": 1}]), ["layers[0][0]", "needs candidates"]),
        (cfg([{**GEN, "type": "critic"}]), ["layers[0][0]", "needs candidates"]),
        (cfg([{**GEN, "type": "fuser"}]), ["layers[0][0]", "needs candidates"]),
        (
            cfg([GEN], [{**GEN, "type": "unit_test_evaluator"}]),
            ["layers[1][0]", "unit_test_generator"],
        ),
        (
            cfg([{**GEN, "temperature": 3.5}]),
            ["layers[0][0].temperature", "less than or equal to 2"],
        ),
        (cfg([{**GEN, "colour": "red"}]), ["layers[0][0].colour", "unknown key"]),
    ],
)
def test_bad_input_errors(data, needles, tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert str(p) in msg
    for needle in needles:
        assert needle in msg, msg


def test_missing_file():
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(Path("does/not/exist.json"))


def test_custom_types_need_custom_flag():
    with pytest.raises(ConfigError, match="custom"):
        load_config(cfg([{"type": "my_thing"}]))
    c = load_config(cfg([GEN], [{"type": "my_thing", "anything": 1}], custom=True))
    assert c.layers[1][0].type == "my_thing"


def test_example_configs_load():
    root = Path(__file__).resolve().parents[2]
    for f in sorted((root / "configs").glob("*.json")):
        archon.Archon(load_config(f), cache=False)


def test_missing_gguf_path_is_a_config_error_at_construction(tmp_path):
    c = {
        "name": "g",
        "layers": [
            [{"type": "generator", "model": str(tmp_path / "nope.gguf"), "model_type": "llama_cpp"}]
        ],
    }
    with pytest.raises(ConfigError) as e:
        archon.Archon(c, cache=False)
    assert "layers[0][0].model" in str(e.value) and "nope.gguf" in str(e.value)


def test_missing_extra_names_the_pip_command(monkeypatch):
    import sys

    from archon.errors import MissingExtraError
    from archon.providers._base import require

    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(MissingExtraError, match=r'pip install -e "\.\[google\]"'):
        require("google.genai", extra="google", package="google-genai")
