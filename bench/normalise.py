"""Time the text normaliser (kb.normalise) takes per message, beside a baseline measured in
the same run: Unicode NFKC normalisation of the same messages (what any text pipeline pays).

Usage: python bench/normalise.py [-n 50]  (each message repeated n times)
"""
from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MESSAGES = [
    "您好，请问医保宣讲是哪个单位负责的？",
    "區醫保局的宣講講什麼",
    "shiyebaoxian 谁公开",
    "xianxia huodong tiqian ji tian fa gonggao",
    "医宝怎么报销 开方点9在哪",
    "你好我想说一下我们小区的情况就是三号楼那个电梯已经坏了快一个月了老人上下楼特别不方便",
    "我的手机号是１３８１２３４５６７８",
]


def per_message_ms(function, messages: list[str]) -> float:
    start = time.perf_counter()
    for message in messages:
        function(message)
    return (time.perf_counter() - start) / len(messages) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    from kb.normalise import normalise

    normalise("预热")  # builds the normaliser once, as a process does at start
    messages = MESSAGES * args.n
    baseline = per_message_ms(lambda m: unicodedata.normalize("NFKC", m), messages)
    ours = per_message_ms(normalise, messages)
    print(f"{'step':<36}{'ms per message':>16}")
    print(f"{'baseline: unicodedata NFKC':<36}{baseline:>16.4f}")
    print(f"{'kb.normalise (OpenCC, pinyin, typos)':<36}{ours:>16.4f}")


if __name__ == "__main__":
    main()
