"""New-user round 6: ONNX exports built in ways the project's own fixtures never were, and a new task.

Writes test/fixtures/newuser6/<name>/ (model.onnx, tokenizer files, data, finetune.json):

- bert3:      BERT-style encoder with THREE inputs (input_ids, attention_mask, token_type_ids; the
              token-type embedding really used), opset 14, dynamic batch and sequence axes.
- lstm:       Embedding -> torch.nn.LSTM (one ONNX LSTM op, weights as initializers) -> Linear,
              opset 11 (old), inputs input_ids + attention_mask (masked mean pooling).
- gru-lm:     Embedding -> torch.nn.GRU -> Linear to the vocabulary, causal LM, opset 17 (the newest
              torch 1.13 exports), saved with external data: every weight in model.onnx.data.
- not-onnx/:  a torch.save checkpoint (zip and legacy pickle) and a safetensors file: wrong model files.
- bert3-qdq:  bert3 with its FFN weights frozen as int8 (DequantizeLinear of an int8 initializer,
              the QDQ form of a quantized export); the rest stays float and trainable.

Task (new): which of three public-domain dictionaries (Debian's dict-devil, dict-jargon, dict-gcide)
does a sentence come from -- 3 classes. The LM task: Jargon File sentences.

Run with Debian's Python (python3-torch, python3-onnx): /usr/bin/python3 scripts/newuser6/make_models.py
No pre-training (the models are fresh, seeded): the point is how the runtime takes the exports.
Deterministic on one machine. Tests never run this: the outputs are committed.
"""
import json
import os
import random
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
sys.path.insert(0, os.path.join(ROOT, 'scripts', 'fixtures'))
import corpus as corpus_mod  # noqa: E402
import gcide  # noqa: E402

OUT = os.path.join(ROOT, 'test', 'fixtures', 'newuser6')
ENC_TOK = os.path.join(ROOT, 'test', 'fixtures', 'lm', 'tiny-encoder')
GPT_TOK = os.path.join(ROOT, 'test', 'fixtures', 'lm', 'tiny-gpt')
SEED = 606
LABELS = ['devil', 'jargon', 'gcide']
PER_CLASS = {'train': 200, 'eval': 40}


def write_jsonl(path, rows):
    with open(path, 'w', encoding='utf-8') as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')


def write_json(path, obj):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')


def vocab_size(tok_dir):
    # The largest id + 1, not len(vocab): the WordPiece vocabulary has holes (1998 entries, ids up to 1999).
    with open(os.path.join(tok_dir, 'tokenizer.json'), encoding='utf-8') as f:
        t = json.load(f)
    ids = list(t['model']['vocab'].values()) + [a['id'] for a in t.get('added_tokens', [])]
    return max(ids) + 1


def copy_tokenizer(src, dst):
    for name in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))


def classification_data(dst):
    c = corpus_mod.corpus()
    texts = {'devil': c['devil'], 'jargon': c['jargon'], 'gcide': [d for _, _, d in gcide.definitions()]}
    rows = {'train': [], 'eval': []}
    for i, name in enumerate(LABELS):
        items = texts[name][:]
        random.Random(SEED + i).shuffle(items)
        n_ev, n_tr = PER_CLASS['eval'], PER_CLASS['train']
        rows['eval'] += [{'text': s, 'label': name} for s in items[:n_ev]]
        rows['train'] += [{'text': s, 'label': name} for s in items[n_ev:n_ev + n_tr]]
    for k, v in rows.items():
        random.Random(SEED).shuffle(v)
        write_jsonl(os.path.join(dst, f'{k}.jsonl'), v)


def lm_data(dst):
    jargon = corpus_mod.corpus()['jargon'][:]
    random.Random(SEED).shuffle(jargon)
    write_jsonl(os.path.join(dst, 'train.jsonl'), [{'text': s} for s in jargon[:300]])
    write_jsonl(os.path.join(dst, 'eval.jsonl'), [{'text': s} for s in jargon[300:360]])


class Bert3(nn.Module):
    """Pre-LN encoder via nn.TransformerEncoderLayer-free plain ops; token_type_ids select a segment embedding."""

    def __init__(self, vocab, d=32, heads=2, ff=64, layers=2, max_len=64, classes=3):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, d)
        self.position_embeddings = nn.Embedding(max_len, d)
        self.token_type_embeddings = nn.Embedding(2, d)
        self.norm = nn.LayerNorm(d)
        self.heads = heads
        self.qkv = nn.ModuleList([nn.Linear(d, 3 * d) for _ in range(layers)])
        self.out = nn.ModuleList([nn.Linear(d, d) for _ in range(layers)])
        self.ln1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.ffn_in = nn.ModuleList([nn.Linear(d, ff) for _ in range(layers)])
        self.ffn_out = nn.ModuleList([nn.Linear(ff, d) for _ in range(layers)])
        self.ln2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.classifier = nn.Linear(d, classes)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.05)

    def forward(self, input_ids, attention_mask, token_type_ids):
        b, s = input_ids.shape
        d = self.word_embeddings.weight.shape[1]
        h = self.heads
        pos = torch.arange(s).unsqueeze(0)
        x = self.norm(self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids))
        add = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for i in range(len(self.qkv)):
            q, k, v = self.qkv[i](x).chunk(3, dim=-1)
            sp = lambda t: t.view(b, s, h, d // h).transpose(1, 2)
            att = (sp(q) @ sp(k).transpose(-1, -2) / (d // h) ** 0.5 + add).softmax(-1)
            x = self.ln1[i](x + self.out[i]((att @ sp(v)).transpose(1, 2).reshape(b, s, d)))
            x = self.ln2[i](x + self.ffn_out[i](torch.relu(self.ffn_in[i](x))))
        m = attention_mask.unsqueeze(-1).float()
        return self.classifier((x * m).sum(1) / m.sum(1).clamp(min=1.0))


class LstmClassifier(nn.Module):
    def __init__(self, vocab, d=32, hidden=48, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d)
        self.lstm = nn.LSTM(d, hidden, batch_first=True)
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, input_ids, attention_mask):
        out, _ = self.lstm(self.embedding(input_ids))
        m = attention_mask.unsqueeze(-1).float()
        return self.classifier((out * m).sum(1) / m.sum(1).clamp(min=1.0))


class GruLm(nn.Module):
    def __init__(self, vocab, d=32, hidden=48):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d)
        self.gru = nn.GRU(d, hidden, batch_first=True)
        self.lm_head = nn.Linear(hidden, vocab)

    def forward(self, input_ids, attention_mask):
        out, _ = self.gru(self.embedding(input_ids))
        return self.lm_head(out)


def export(model, path, args, names, out_axes, opset, external=False):
    model.eval()
    axes = {n: {0: 'batch', 1: 'sequence'} for n in names}
    axes['logits'] = out_axes
    torch.onnx.export(model, args, path, input_names=names, output_names=['logits'], dynamic_axes=axes,
                      opset_version=opset, do_constant_folding=False)
    if external:
        m = onnx.load(path)
        data = os.path.join(os.path.dirname(path), 'model.onnx.data')
        if os.path.exists(data):
            os.remove(data)  # onnx appends to an existing external-data file: a rerun would double it
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location='model.onnx.data', size_threshold=0)


def config(name, task, labels=None, preset='all', batch=16, opt='mezo', lr=0.001, extra_model=None):
    data = {'train': 'train.jsonl', 'eval': 'eval.jsonl', 'batchSize': batch, 'maxLength': 48}
    if labels:
        data['labelNames'] = labels
    model = {'path': 'model.onnx', 'task': task, 'trainablePreset': preset}
    model.update(extra_model or {})
    return {'name': name, 'seed': 1, 'steps': 600, 'evalEvery': 200, 'model': model, 'data': data,
            'optimizer': {'name': opt, 'lr': lr}, 'engine': {'provider': 'cpu'}}


def qdq_ffn(src, dst):
    """Replace every ffn_in / ffn_out weight by DequantizeLinear(int8 initializer, scale, zero point)."""
    m = onnx.load(src)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    new_nodes = []
    for name in [n for n in inits if n.startswith('ffn_') and n.endswith('.weight')]:
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        scale = np.float32(np.abs(w).max() / 127.0)
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        g.initializer.remove(inits[name])
        g.initializer.extend([numpy_helper.from_array(q, name + '_quantized'),
                              numpy_helper.from_array(np.array(scale, dtype=np.float32), name + '_scale'),
                              numpy_helper.from_array(np.array(0, dtype=np.int8), name + '_zero_point')])
        new_nodes.append(helper.make_node('DequantizeLinear', [name + '_quantized', name + '_scale', name + '_zero_point'],
                                          [name], name=name + '_DequantizeLinear'))
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(new_nodes + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones(2, 8, dtype=torch.long)
    enc_vocab, gpt_vocab = vocab_size(ENC_TOK), vocab_size(GPT_TOK)

    d = os.path.join(OUT, 'bert3')
    os.makedirs(d, exist_ok=True)
    copy_tokenizer(ENC_TOK, d)
    classification_data(d)
    export(Bert3(enc_vocab), os.path.join(d, 'model.onnx'), (ids, mask, torch.zeros_like(ids)),
           ['input_ids', 'attention_mask', 'token_type_ids'], {0: 'batch'}, 14)
    write_json(os.path.join(d, 'finetune.json'), config('bert3-dictionaries', 'classification', LABELS, 'head', lr=0.003))

    q = os.path.join(OUT, 'bert3-qdq')
    os.makedirs(q, exist_ok=True)
    for name in ('tokenizer.json', 'tokenizer_config.json', 'train.jsonl', 'eval.jsonl'):
        shutil.copy(os.path.join(d, name), os.path.join(q, name))
    qdq_ffn(os.path.join(d, 'model.onnx'), os.path.join(q, 'model.onnx'))
    write_json(os.path.join(q, 'finetune.json'), config('bert3-qdq', 'classification', LABELS, 'all'))

    d = os.path.join(OUT, 'lstm')
    os.makedirs(d, exist_ok=True)
    copy_tokenizer(ENC_TOK, d)
    classification_data(d)
    export(LstmClassifier(enc_vocab), os.path.join(d, 'model.onnx'), (ids, mask), ['input_ids', 'attention_mask'], {0: 'batch'}, 11)
    write_json(os.path.join(d, 'finetune.json'), config('lstm-dictionaries', 'classification', LABELS, 'all', lr=0.003))

    d = os.path.join(OUT, 'gru-lm')
    os.makedirs(d, exist_ok=True)
    copy_tokenizer(GPT_TOK, d)
    lm_data(d)
    export(GruLm(gpt_vocab), os.path.join(d, 'model.onnx'), (ids, mask), ['input_ids', 'attention_mask'],
           {0: 'batch', 1: 'sequence'}, 17, external=True)
    write_json(os.path.join(d, 'finetune.json'), config('gru-jargon-lm', 'causal-lm', None, 'all'))

    # What a new user points model.path at by mistake (test/unit/foreign-formats.test.ts).
    wrong = os.path.join(OUT, 'not-onnx')
    os.makedirs(wrong, exist_ok=True)
    tiny = {'w': torch.zeros(3)}
    torch.save(tiny, os.path.join(wrong, 'checkpoint.pt'))
    torch.save(tiny, os.path.join(wrong, 'legacy-checkpoint.pt'), _use_new_zipfile_serialization=False)
    header = json.dumps({'w': {'dtype': 'F32', 'shape': [3], 'data_offsets': [0, 12]}}).encode()
    with open(os.path.join(wrong, 'model.safetensors'), 'wb') as f:  # the safetensors layout, written by hand
        f.write(len(header).to_bytes(8, 'little') + header + bytes(12))

    for name in sorted(os.listdir(OUT)):
        for f in sorted(os.listdir(os.path.join(OUT, name))):
            if f.startswith('model'):
                p = os.path.join(OUT, name, f)
                ops = sorted({n.op_type for n in onnx.load(p, load_external_data=False).graph.node}) if f.endswith('.onnx') else []
                print(f'{name}/{f}: {os.path.getsize(p)} bytes {" ".join(ops)}')


if __name__ == '__main__':
    main()
