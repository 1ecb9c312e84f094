"""The classic PyTorch word-level LSTM recipe (pytorch/examples `word_language_model`) as a baseline.

Written plainly like the example, so the baseline is the one people know: a word vocabulary with
`<eos>` at each line end, a 2x200 LSTM (emb 200, dropout 0.2, untied), plain SGD at lr 20 with
gradient clipping 0.25, bptt 35, batch 20 (eval batch 10), and lr / 4 whenever the validation loss
fails to improve at an epoch end. Two additions only:

- a wall-clock budget on the training loop (epoch-end validation is not charged to it), and
- the honest conversion of its loss, which is per (word or `<eos>`), into word perplexity:
  exp(total NLL over all eval tokens incl. `<eos>` / whitespace words of the eval text). Without
  it the recipe looks up to three times better on short-line text (DESIGN.md, "Formats").

Eval words missing from the train vocabulary become `<unk>`, as in the example; predicting
`<unk>` is easy, so this flatters the baseline rather than us. `open_vocab_word_ppl` also charges
each such word the cost of spelling it under a character model of the training words
(spelling.py): the figure an open-vocabulary model's word perplexity is comparable with.

    python -m tests.bench.classic_recipe --corpus wikitext|shakespeare --budget 120
"""
from __future__ import annotations

import argparse
import math
import time
from typing import Any

import torch
from torch import nn

from . import common
from .spelling import CharBigramSpeller

EMSIZE = 200
NHID = 200
NLAYERS = 2
DROPOUT = 0.2
LR = 20.0
CLIP = 0.25
BPTT = 35
BATCH_SIZE = 20
EVAL_BATCH_SIZE = 10
EOS = "<eos>"
UNK = "<unk>"


class Dictionary:
    def __init__(self) -> None:
        self.word2idx: dict[str, int] = {}
        self.idx2word: list[str] = []

    def add_word(self, word: str) -> int:
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self) -> int:
        return len(self.idx2word)


def tokenize(text: str) -> list[str]:
    """Words of each line plus `<eos>`, like iterating the example's file line by line."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [word for line in lines for word in line.split() + [EOS]]


def build_dictionary(train_text: str) -> Dictionary:
    dictionary = Dictionary()
    for word in tokenize(train_text):
        dictionary.add_word(word)
    dictionary.add_word(UNK)
    return dictionary


def encode(text: str, dictionary: Dictionary) -> torch.Tensor:
    unk = dictionary.word2idx[UNK]
    return torch.tensor([dictionary.word2idx.get(w, unk) for w in tokenize(text)], dtype=torch.long)


def batchify(data: torch.Tensor, bsz: int) -> torch.Tensor:
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source: torch.Tensor, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    seq_len = min(BPTT, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


class RNNModel(nn.Module):
    """Encoder, LSTM stack and decoder, as in the example (untied)."""

    def __init__(self, ntoken: int) -> None:
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(DROPOUT)
        self.encoder = nn.Embedding(ntoken, EMSIZE)
        self.rnn = nn.LSTM(EMSIZE, NHID, NLAYERS, dropout=DROPOUT)
        self.decoder = nn.Linear(NHID, ntoken)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input: torch.Tensor, hidden: tuple[torch.Tensor, torch.Tensor]):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return nn.functional.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz: int) -> tuple[torch.Tensor, torch.Tensor]:
        weight = next(self.parameters())
        return weight.new_zeros(NLAYERS, bsz, NHID), weight.new_zeros(NLAYERS, bsz, NHID)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def evaluate(model: RNNModel, data_source: torch.Tensor) -> tuple[float, int]:
    """(total NLL in nats, number of predicted tokens) over a batchified eval stream."""
    model.eval()
    criterion = nn.NLLLoss(reduction="sum")
    total_loss, count = 0.0, 0
    hidden = model.init_hidden(EVAL_BATCH_SIZE)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, BPTT):
            data, targets = get_batch(data_source, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += criterion(output, targets).item()
            count += targets.numel()
    return total_loss, count


def train_epoch(model: RNNModel, train_data: torch.Tensor, lr: float, deadline: float,
                max_steps: float = math.inf) -> tuple[int, int, bool]:
    """One pass over the data, stopping early at `deadline` or after `max_steps`; returns
    (tokens trained, steps taken, epoch finished)."""
    model.train()
    criterion = nn.NLLLoss()
    hidden = model.init_hidden(BATCH_SIZE)
    tokens = steps = 0
    for i in range(0, train_data.size(0) - 1, BPTT):
        if time.perf_counter() >= deadline or steps >= max_steps:
            return tokens, steps, False
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        tokens += targets.numel()
        steps += 1
    return tokens, steps, True


def word_perplexity(total_nll: float, n_words: int) -> float:
    """exp(total NLL / whitespace words): comparable across tokenizers, unlike token perplexity."""
    return math.exp(total_nll / n_words)


def train_classic(train_text: str, eval_text: str, time_budget_s: float = math.inf, seed: int = 0,
                  threads: int | None = None, max_steps: float = math.inf) -> dict[str, Any]:
    """Train the classic recipe for `time_budget_s` seconds of training loop or `max_steps` steps,
    whichever ends first, then evaluate once. Benchmarks give a time budget; tests give steps, so
    the work they check does not shrink when another process shares the cores.

    The recipe predicts every eval token but the first of each batch column (and drops the
    remainder that does not fill a column); its mean NLL per predicted token is charged to every
    eval token, so total NLL = mean loss x all eval tokens incl. `<eos>`.
    """
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    dictionary = build_dictionary(train_text)
    train_data = batchify(encode(train_text, dictionary), BATCH_SIZE)
    eval_ids = encode(eval_text, dictionary)
    eval_data = batchify(eval_ids, EVAL_BATCH_SIZE)
    model = RNNModel(len(dictionary))

    lr, best_val_loss, epochs, tokens, steps, train_seconds = LR, None, 0, 0, 0, 0.0
    while train_seconds < time_budget_s and steps < max_steps:
        start = time.perf_counter()
        epoch_tokens, epoch_steps, finished = train_epoch(model, train_data, lr,
                                                          start + time_budget_s - train_seconds, max_steps - steps)
        train_seconds += time.perf_counter() - start
        tokens += epoch_tokens
        steps += epoch_steps
        if not finished or train_seconds >= time_budget_s or steps >= max_steps:
            break
        epochs += 1
        val_nll, val_count = evaluate(model, eval_data)
        if best_val_loss is None or val_nll / val_count < best_val_loss:
            best_val_loss = val_nll / val_count
        else:
            lr /= 4.0

    total_nll, count = evaluate(model, eval_data)
    loss = total_nll / count
    eval_words = eval_text.split()
    n_words = len(eval_words)
    unseen = [word for word in eval_words if word not in dictionary.word2idx]
    speller = CharBigramSpeller(set(dictionary.word2idx) - {EOS, UNK})
    spelling_nats = sum(speller.nll(word) for word in unseen)
    return {
        "tokens_per_s": tokens / train_seconds,
        "loss": loss,
        "ppl": math.exp(loss),
        "word_ppl": word_perplexity(loss * len(eval_ids), n_words),
        "train_seconds": train_seconds,
        "train_tokens": tokens,
        "train_steps": steps,
        "epochs_completed": epochs,
        "final_lr": lr,
        "vocab_size": len(dictionary),
        "eval_tokens": len(eval_ids),
        "eval_words": n_words,
        "eval_oov_fraction": len(unseen) / n_words,
        "open_vocab_word_ppl": word_perplexity(loss * len(eval_ids) + spelling_nats, n_words),
        "unk_spelling_nats": spelling_nats / max(len(unseen), 1),
        "threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=common.CORPORA, default="wikitext")
    parser.add_argument("--budget", type=float, default=120.0, help="training seconds (default 120)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args(argv)
    train_text, eval_text = common.corpus_texts(args.corpus)
    result = {"corpus": args.corpus, "budget_s": args.budget, **train_classic(
        train_text, eval_text, args.budget, seed=args.seed, threads=args.threads)}
    headers = ["corpus", "budget s", "epochs", "tokens/s", "token loss", "token ppl", "word ppl",
               "OOV words", "word ppl, OOV spelled", "nats per OOV spelling"]
    row = [args.corpus, args.budget, result["epochs_completed"], result["tokens_per_s"], result["loss"],
           result["ppl"], result["word_ppl"], result["eval_oov_fraction"], result["open_vocab_word_ppl"],
           result["unk_spelling_nats"]]
    common.print_table("classic word-level LSTM recipe (pytorch/examples)", headers, [row])
    common.write_results(f"classic_recipe_{args.corpus}", {"results": [result]})


if __name__ == "__main__":
    main()
