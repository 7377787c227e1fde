"""Configuration of the Wav2Vec2 model; defaults describe ``facebook/wav2vec2-base-960h``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from reference.configuration_utils import PreTrainedConfig


class Wav2Vec2Config(PreTrainedConfig):
    model_type: ClassVar[str] = "wav2vec2"

    def __init__(
        self,
        vocab_size: int = 32,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout: float = 0.1,
        activation_dropout: float = 0.1,
        attention_dropout: float = 0.1,
        feat_proj_dropout: float = 0.0,
        feat_quantizer_dropout: float = 0.0,
        final_dropout: float = 0.1,
        layerdrop: float = 0.1,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-05,
        feat_extract_norm: str = "group",
        feat_extract_activation: str = "gelu",
        conv_dim: Sequence[int] = (512, 512, 512, 512, 512, 512, 512),
        conv_stride: Sequence[int] = (5, 2, 2, 2, 2, 2, 2),
        conv_kernel: Sequence[int] = (10, 3, 3, 3, 3, 2, 2),
        conv_bias: bool = False,
        num_conv_pos_embeddings: int = 128,
        num_conv_pos_embedding_groups: int = 16,
        do_stable_layer_norm: bool = False,
        apply_spec_augment: bool = True,
        mask_time_prob: float = 0.05,
        mask_time_length: int = 10,
        mask_time_min_masks: int = 2,
        mask_feature_prob: float = 0.0,
        mask_feature_length: int = 10,
        mask_feature_min_masks: int = 0,
        num_codevectors_per_group: int = 320,
        num_codevector_groups: int = 2,
        contrastive_logits_temperature: float = 0.1,
        num_negatives: int = 100,
        codevector_dim: int = 256,
        proj_codevector_dim: int = 256,
        diversity_loss_weight: float = 0.1,
        ctc_loss_reduction: str = "sum",
        ctc_zero_infinity: bool = False,
        use_weighted_layer_sum: bool = False,
        classifier_proj_size: int = 256,
        tdnn_dim: Sequence[int] = (512, 512, 512, 512, 1500),
        tdnn_kernel: Sequence[int] = (5, 3, 3, 1, 1),
        tdnn_dilation: Sequence[int] = (1, 2, 3, 1, 1),
        xvector_output_dim: int = 512,
        pad_token_id: int = 0,
        bos_token_id: int = 1,
        eos_token_id: int = 2,
        add_adapter: bool = False,
        adapter_kernel_size: int = 3,
        adapter_stride: int = 2,
        num_adapter_layers: int = 3,
        output_hidden_size: int | None = None,
        adapter_attn_dim: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not len(conv_dim) == len(conv_stride) == len(conv_kernel):
            raise ValueError(
                "conv_dim, conv_stride and conv_kernel must have one entry per conv layer, but "
                f"len(conv_dim) = {len(conv_dim)}, len(conv_stride) = {len(conv_stride)}, "
                f"len(conv_kernel) = {len(conv_kernel)}"
            )
        self.__dict__.update(
            vocab_size=vocab_size,
            hidden_size=hidden_size,
            num_hidden_layers=num_hidden_layers,
            num_attention_heads=num_attention_heads,
            intermediate_size=intermediate_size,
            hidden_act=hidden_act,
            hidden_dropout=hidden_dropout,
            activation_dropout=activation_dropout,
            attention_dropout=attention_dropout,
            feat_proj_dropout=feat_proj_dropout,
            feat_quantizer_dropout=feat_quantizer_dropout,
            final_dropout=final_dropout,
            layerdrop=layerdrop,
            initializer_range=initializer_range,
            layer_norm_eps=layer_norm_eps,
            feat_extract_norm=feat_extract_norm,
            feat_extract_activation=feat_extract_activation,
            conv_dim=list(conv_dim),
            conv_stride=list(conv_stride),
            conv_kernel=list(conv_kernel),
            conv_bias=conv_bias,
            num_conv_pos_embeddings=num_conv_pos_embeddings,
            num_conv_pos_embedding_groups=num_conv_pos_embedding_groups,
            do_stable_layer_norm=do_stable_layer_norm,
            apply_spec_augment=apply_spec_augment,
            mask_time_prob=mask_time_prob,
            mask_time_length=mask_time_length,
            mask_time_min_masks=mask_time_min_masks,
            mask_feature_prob=mask_feature_prob,
            mask_feature_length=mask_feature_length,
            mask_feature_min_masks=mask_feature_min_masks,
            num_codevectors_per_group=num_codevectors_per_group,
            num_codevector_groups=num_codevector_groups,
            contrastive_logits_temperature=contrastive_logits_temperature,
            num_negatives=num_negatives,
            codevector_dim=codevector_dim,
            proj_codevector_dim=proj_codevector_dim,
            diversity_loss_weight=diversity_loss_weight,
            ctc_loss_reduction=ctc_loss_reduction,
            ctc_zero_infinity=ctc_zero_infinity,
            use_weighted_layer_sum=use_weighted_layer_sum,
            classifier_proj_size=classifier_proj_size,
            tdnn_dim=list(tdnn_dim),
            tdnn_kernel=list(tdnn_kernel),
            tdnn_dilation=list(tdnn_dilation),
            xvector_output_dim=xvector_output_dim,
            add_adapter=add_adapter,
            adapter_kernel_size=adapter_kernel_size,
            adapter_stride=adapter_stride,
            num_adapter_layers=num_adapter_layers,
            output_hidden_size=hidden_size if output_hidden_size is None else output_hidden_size,
            adapter_attn_dim=adapter_attn_dim,
        )
        super().__init__(pad_token_id=pad_token_id, bos_token_id=bos_token_id, eos_token_id=eos_token_id, **kwargs)
        self.__dict__["num_feat_extract_layers"] = len(self.conv_dim)

    @property
    def inputs_to_logits_ratio(self) -> int:
        """How many input samples make one output frame: the product of the conv strides."""
        return math.prod(self.conv_stride)
