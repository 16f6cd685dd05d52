"""The server a Python user would write around fastText: FastAPI + uvicorn, fastText's Python
predict, the same JSON shape as `switchboard serve` for POST /v1/classify and /v1/classify/batch.
The model path comes from $FASTTEXT_MODEL. Run: uvicorn fasttext_app:app --workers N."""
import os

import fasttext
from fastapi import FastAPI
from pydantic import BaseModel

model = fasttext.load_model(os.environ["FASTTEXT_MODEL"])
app = FastAPI()


class One(BaseModel):
    text: str


class Many(BaseModel):
    texts: list[str]


def line(text):
    return " ".join(text.lower().split())


def answer(labels, probabilities):
    top = [{"label": l.removeprefix("__label__"), "probability": float(p)} for l, p in zip(labels, probabilities)]
    return {"label": top[0]["label"], "confidence": top[0]["probability"], "routed": top[0]["label"], "top": top}


@app.post("/v1/classify")
def classify(body: One, top_k: int = 1):
    labels, probabilities = model.predict(line(body.text), k=top_k)
    return answer(labels, probabilities)


@app.post("/v1/classify/batch")
def classify_batch(body: Many, top_k: int = 1):
    labels, probabilities = model.predict([line(t) for t in body.texts], k=top_k)
    return {"results": [answer(l, p) for l, p in zip(labels, probabilities)]}


@app.get("/healthz")
def health():
    return {"status": "ok"}
