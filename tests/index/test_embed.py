"""The query model's embedder: a text embedded lately is not run again, and gets the same vector."""

from __future__ import annotations

import numpy as np

from assistant.index import embed


def test_a_text_embedded_again_is_not_run_again_and_gets_the_same_vector(assistant, monkeypatch):
    embedder = embed.OnnxEmbedder(assistant.index.embedder.onnx_file)
    runs = []
    real_run = embedder._run
    monkeypatch.setattr(embedder, "_run", lambda ids: runs.append(ids) or real_run(ids))
    first = embedder.embed(["she is pregnant and on unpaid work", "ex-forces lad with PTSD"])
    assert len(runs) == 2
    again = embedder.embed(["ex-forces lad with PTSD", "a new question", "she is pregnant and on unpaid work"])
    assert len(runs) == 3  # only the new text ran
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    fresh = embed.OnnxEmbedder(embedder.onnx_file).embed(["ex-forces lad with PTSD"])
    assert np.array_equal(fresh[0], first[1])  # the same as a first embedding


def test_the_recent_vectors_are_bounded(assistant, monkeypatch):
    monkeypatch.setattr(embed, "RECENT_VECTORS", 3)
    embedder = embed.OnnxEmbedder(assistant.index.embedder.onnx_file)
    embedder.embed([f"question {i}" for i in range(5)])
    assert list(embedder._recent) == ["question 2", "question 3", "question 4"]


def test_int8_products_are_exact_where_the_fast_kernel_would_saturate(tmp_path):
    """A one-MatMul model, quantised as the build quantises, whose exact product the fast u8s8 kernel of a
    CPU without VNNI cannot hold (each pair of products 255 x 127 x 2 = 64,770 > 32,767): with the
    embedder's options every x86 CPU gives the exact sum; without them such a CPU gives far less."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    width = 64
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "saturation",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [numpy_helper.from_array(np.ones((width, 4), np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "fp32.onnx")
    embed.quantise(tmp_path / "fp32.onnx", tmp_path / "int8.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "int8.onnx"), embed.session_options(1),
                                           providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"x": np.ones((1, width), np.float32)})
    assert np.allclose(y, width, rtol=0.02), y


def test_the_embedder_asks_for_exact_int8_products(assistant):
    embedder = embed.OnnxEmbedder(assistant.index.embedder.onnx_file)
    embedder.warm_up()
    assert embedder._session.get_session_options().get_session_config_entry(embed.X64_EXACT_INT8) == "1"
