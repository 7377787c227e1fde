"""Sanity checks for the independent implementation in ``tests/independent``."""

import copy
import json
import math
import pickle
import subprocess
import sys

import pytest
import torch

from tests.independent import (
    PreTrainedConfig,
    Speech2TextConfig,
    Speech2TextSinusoidalPositionalEmbedding,
    Wav2Vec2Config,
)


@pytest.mark.parametrize("cls", [Speech2TextConfig, Wav2Vec2Config])
def test_config_round_trip(cls):
    cfg = cls(extra_thing=(1, 2), vocab_size=7)
    assert isinstance(cfg, PreTrainedConfig)
    d = cfg.to_dict()
    assert d["model_type"] == cls.model_type and d["extra_thing"] == [1, 2] and d["vocab_size"] == 7
    assert json.loads(cfg.to_json_string()) == d
    assert cls.from_dict(d).to_dict() == d
    assert cls.from_dict(cls.from_dict(d).to_dict()).to_dict() == d
    assert pickle.loads(pickle.dumps(cfg)) == cfg == copy.deepcopy(cfg)


def test_speech2text_config():
    cfg = Speech2TextConfig()
    assert cfg.conv_kernel_sizes == [5, 5] and cfg.num_hidden_layers == cfg.encoder_layers == 12
    assert (cfg.pad_token_id, cfg.bos_token_id, cfg.eos_token_id) == (1, 0, 2)
    assert cfg.decoder_start_token_id == 2 and cfg.is_encoder_decoder is True
    cfg.hidden_size = 64
    cfg.num_attention_heads = 8
    assert (cfg.d_model, cfg.encoder_attention_heads) == (64, 8)
    assert "hidden_size" not in cfg.to_dict()
    with pytest.raises(ValueError, match=r"3.*2|2.*3"):
        Speech2TextConfig(num_conv_layers=3, conv_kernel_sizes=(5, 5))


def test_wav2vec2_config():
    cfg = Wav2Vec2Config()
    assert cfg.inputs_to_logits_ratio == 320 and cfg.num_feat_extract_layers == 7
    assert cfg.output_hidden_size == 768 and cfg.tdnn_dilation == [1, 2, 3, 1, 1]
    assert Wav2Vec2Config(hidden_size=32, output_hidden_size=16).output_hidden_size == 16
    with pytest.raises(ValueError, match=r"(?s)2.*3.*4"):
        Wav2Vec2Config(conv_dim=(1, 1), conv_stride=(1, 1, 1), conv_kernel=(1, 1, 1, 1))


def test_config_modules_do_not_import_torch():
    code = (
        "import sys, tests.independent as m; m.Speech2TextConfig(); m.Wav2Vec2Config(); "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_table_matches_formula():
    emb = Speech2TextSinusoidalPositionalEmbedding(20, 9, padding_idx=1)
    w = emb.weights
    assert w.shape == (22, 9) and w.dtype == torch.get_default_dtype()
    assert "weights" not in emb.state_dict()
    half = 4
    for p in (0, 5, 21):
        f = [math.exp(-i * math.log(10000) / (half - 1)) for i in range(half)]
        row = [math.sin(p * x) for x in f] + [math.cos(p * x) for x in f] + [0.0]
        if p == 1:
            row = [0.0] * 9
        assert torch.allclose(w[p].double(), torch.tensor(row, dtype=torch.float64), atol=1e-6)
    assert not w[1].any() and not w[:, -1].any()


def test_positions_for_padded_batch():
    emb = Speech2TextSinusoidalPositionalEmbedding(10, 8, padding_idx=1)
    ids = torch.tensor([[5, 6, 7, 1], [1, 5, 1, 6]])
    pos = emb.create_position_ids_from_input_ids(ids, 1, past_key_values_length=3)
    assert pos.tolist() == [[5, 6, 7, 1], [1, 5, 1, 6]]
    out = emb(ids)
    assert out.shape == (2, 4, 8)
    assert torch.equal(out[0, 0], emb.weights[2]) and not out[0, 3].any()


def test_growth_and_gradients():
    emb = Speech2TextSinusoidalPositionalEmbedding(4, 8, padding_idx=1)
    ids = torch.tensor([[5, 6, 7]])
    first = emb(ids)
    kept = first.clone()
    tok = torch.randn(1, 3, 8, requires_grad=True)
    big = emb(ids, past_key_values_length=10_000)
    assert emb.weights.shape[0] >= 10_005 and not big.requires_grad
    assert torch.equal(first, kept)
    (tok + big).sum().backward()
    assert tok.grad is not None
    with torch.inference_mode():
        assert emb(ids, 20_000).shape == (1, 3, 8)
    with torch.no_grad():
        assert emb(ids, 30_000).shape == (1, 3, 8)
    assert emb(ids, 40_000).shape == (1, 3, 8)


def test_dtype_and_meta_device():
    emb = Speech2TextSinusoidalPositionalEmbedding(4, 8, padding_idx=1).to(torch.float16)
    assert emb(torch.tensor([[5, 6]]), 100).dtype == torch.float16
    assert emb.weights.dtype == torch.float16
    meta = Speech2TextSinusoidalPositionalEmbedding(4, 8, padding_idx=1).to("meta")
    out = meta(torch.tensor([[5, 6]], device="meta"), 100)
    assert out.device.type == "meta" and out.shape == (1, 2, 8)


def test_small_dim_raises():
    with pytest.raises(ValueError):
        Speech2TextSinusoidalPositionalEmbedding(4, 3, padding_idx=1)
