"""Configuration of the Speech2Text model; defaults describe ``facebook/s2t-small-librispeech-asr``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from reference.configuration_utils import PreTrainedConfig


class Speech2TextConfig(PreTrainedConfig):
    model_type: ClassVar[str] = "speech_to_text"
    keys_to_ignore_at_inference: ClassVar[list[str]] = ["past_key_values"]
    attribute_map: ClassVar[dict[str, str]] = {
        "num_attention_heads": "encoder_attention_heads",
        "hidden_size": "d_model",
    }

    def __init__(
        self,
        vocab_size: int = 10000,
        encoder_layers: int = 12,
        encoder_ffn_dim: int = 2048,
        encoder_attention_heads: int = 4,
        decoder_layers: int = 6,
        decoder_ffn_dim: int = 2048,
        decoder_attention_heads: int = 4,
        encoder_layerdrop: float = 0.0,
        decoder_layerdrop: float = 0.0,
        use_cache: bool = True,
        is_encoder_decoder: bool = True,
        activation_function: str = "relu",
        d_model: int = 256,
        dropout: float = 0.1,
        attention_dropout: float = 0.0,
        activation_dropout: float = 0.0,
        init_std: float = 0.02,
        decoder_start_token_id: int = 2,
        scale_embedding: bool = True,
        pad_token_id: int = 1,
        bos_token_id: int = 0,
        eos_token_id: int = 2,
        max_source_positions: int = 6000,
        max_target_positions: int = 1024,
        num_conv_layers: int = 2,
        conv_kernel_sizes: Sequence[int] = (5, 5),
        conv_channels: int = 1024,
        input_feat_per_channel: int = 80,
        input_channels: int = 1,
        **kwargs: Any,
    ) -> None:
        if len(conv_kernel_sizes) != num_conv_layers:
            raise ValueError(
                "conv_kernel_sizes must have one kernel size per conv layer, but "
                f"len(conv_kernel_sizes) = {len(conv_kernel_sizes)} and num_conv_layers = {num_conv_layers}"
            )
        self.__dict__.update(
            vocab_size=vocab_size,
            encoder_layers=encoder_layers,
            encoder_ffn_dim=encoder_ffn_dim,
            encoder_attention_heads=encoder_attention_heads,
            decoder_layers=decoder_layers,
            decoder_ffn_dim=decoder_ffn_dim,
            decoder_attention_heads=decoder_attention_heads,
            encoder_layerdrop=encoder_layerdrop,
            decoder_layerdrop=decoder_layerdrop,
            use_cache=use_cache,
            activation_function=activation_function,
            d_model=d_model,
            dropout=dropout,
            attention_dropout=attention_dropout,
            activation_dropout=activation_dropout,
            init_std=init_std,
            scale_embedding=scale_embedding,
            max_source_positions=max_source_positions,
            max_target_positions=max_target_positions,
            num_conv_layers=num_conv_layers,
            conv_kernel_sizes=list(conv_kernel_sizes),
            conv_channels=conv_channels,
            input_feat_per_channel=input_feat_per_channel,
            input_channels=input_channels,
        )
        super().__init__(
            pad_token_id=pad_token_id,
            bos_token_id=bos_token_id,
            eos_token_id=eos_token_id,
            decoder_start_token_id=decoder_start_token_id,
            is_encoder_decoder=is_encoder_decoder,
            **kwargs,
        )
        self.__dict__["num_hidden_layers"] = encoder_layers
