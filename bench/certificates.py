"""Certificate issuance and verification speed (DESIGN.md §10: PDF + QR + signature under 50 ms, verification under 5 ms).

Issuance = sign the token + make the QR code + render the PDF on the standard template (certificates.rendering
.render_certificate), for varied subjects and committees. Verification = read_token (strict decoding + Ed25519 check +
JSON) on the tokens just issued. Also the request matcher over the labelled corpus. Wall time and CPU time are both
reported: other work on a shared machine inflates wall time, so read them with the load average.
Run: .venv/bin/python -m bench.certificates [--certificates N] [--verifications N]
Writes bench/results/certificates.json.
"""

import argparse
import csv
import itertools
import json
import os
import platform
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "certificates.json"
CORPUS = ROOT / "tests" / "certificates" / "corpus.csv"
PDF_TARGET_MS = 50.0
VERIFY_TARGET_MS = 5.0

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂兰", "建国", "志强", "海燕", "丽娟", "文博", "子涵", "浩然", "雨桐", "国庆", "淑珍"]
COMMITTEES = [
    ("210105023201", "沈阳市和平区北市场街道文官村村民委员会"),
    ("210202001002", "大连市中山区海军广场街道春海社区居民委员会"),
    ("210681100201", "丹东市东港市大东街道某村村民委员会"),
]


def _stats(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "mean": round(statistics.fmean(samples) * 1000, 3),
        "p50": round(samples[len(samples) // 2] * 1000, 3),
        "p95": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 3),
        "max": round(samples[-1] * 1000, 3),
    }


def _paired_previous_path(rounds: int) -> dict[str, float]:
    """CPU p50 of the current render_pdf and of the previous path, alternating document by document."""
    from weasyprint import HTML

    from certificates import rendering
    from certificates.signing import Ed25519Signer, certificate_payload, make_token

    signer = Ed25519Signer.generate()

    def context(i: int) -> rendering.CertificateContext:
        code, committee = COMMITTEES[i % len(COMMITTEES)]
        serial = f"{code}-2026-{i:06d}"
        token = make_token(certificate_payload(serial=serial, committee_code=code, type_code="C01",
                                               issued_on=date(2026, 1, 1)), signer)
        return rendering.CertificateContext(
            title="村（居）民参加本村（社区）组织的志愿服务记录证明", serial=serial, subject_name="王秀英",
            subject_id_number="210102199001011234", committee_name=committee, issued_on=date(2026, 1, 1), token=token,
            base_url="https://qingdan.example.gov.cn", fields=(("服务时长", "16小时"), ("服务项目", "社区环境清洁")),
            statement="兹证明王秀英同志参加本村（社区）组织的志愿服务，记录属实。", is_sample=True,
        )

    def previous(ctx: rendering.CertificateContext) -> bytes:
        current_uri = rendering.qr_data_uri
        rendering.qr_data_uri = lambda url: rendering.qr_code(url).png_data_uri(scale=1, border=4)
        try:
            html_text = rendering.render_html(ctx)
        finally:
            rendering.qr_data_uri = current_uri
        r = rendering._renderer()
        return HTML(string=html_text, url_fetcher=r.page_fetcher, base_url=None).write_pdf(
            stylesheets=[r.stylesheet], font_config=r.font_config)

    samples: dict[str, list[float]] = {"current": [], "previous": []}
    for i in range(rounds + 3):
        for name, render in (("current", rendering.render_pdf), ("previous", previous)):
            ctx = context(i)
            c = time.process_time()
            render(ctx)
            if i >= 3:  # the first documents warm caches up
                samples[name].append(time.process_time() - c)
    current, before = _stats(samples["current"])["p50"], _stats(samples["previous"])["p50"]
    return {"current_p50": current, "previous_p50": before, "saved_percent": round(100 * (1 - current / before), 1),
            "rounds": rounds}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--certificates", type=int, default=200)
    parser.add_argument("--verifications", type=int, default=20000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from certificates.matcher import check_request, load_catalog, load_negative_list
    from certificates.rendering import ensure_fast_font, render_certificate
    from certificates.signing import Ed25519Signer, read_token

    signer = Ed25519Signer.generate()
    t0 = time.perf_counter()
    ensure_fast_font()
    font_seconds = time.perf_counter() - t0

    def issue(i: int, compress: bool = True) -> tuple[str, bytes]:
        code, committee = COMMITTEES[i % len(COMMITTEES)]
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)]
        return render_certificate(
            title="村（居）民参加本村（社区）组织的志愿服务记录证明",
            serial=f"{code}-2026-{i:06d}",
            committee_code=code,
            committee_name=committee,
            type_code="C01",
            subject_name=name,
            subject_id_number=f"2101021990{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}X",
            issued_on=date(2026, 1, 1) + timedelta(days=i % 365),
            base_url="https://qingdan.example.gov.cn",
            fields=[("服务时长", f"{(i % 90) + 4}小时"), ("服务项目", "社区环境清洁、敬老助残")],
            statement=f"兹证明{name}同志参加本村（社区）组织的志愿服务，记录属实。",
            is_sample=True,
            signer=signer,
            compress=compress,
        )

    t0 = time.perf_counter()
    issue(0)  # first document of a worker: font set-up and stylesheet parsing, reported separately
    first_seconds = time.perf_counter() - t0
    for i in range(1, 6):
        issue(i)

    wall, cpu, sizes, tokens = [], [], [], []
    for i in range(args.certificates):
        w, c = time.perf_counter(), time.process_time()
        token, pdf = issue(i)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        sizes.append(len(pdf))
        tokens.append(token)

    # The same without zlib on the PDF streams: the trade of bytes for time, measured.
    raw_wall, raw_cpu, raw_sizes = [], [], []
    for i in range(max(20, args.certificates // 4)):
        w, c = time.perf_counter(), time.process_time()
        _, pdf = issue(i, compress=False)
        raw_wall.append(time.perf_counter() - w)
        raw_cpu.append(time.process_time() - c)
        raw_sizes.append(len(pdf))

    # Paired with the path before the profiling work (WeasyPrint's full user-agent stylesheet, segno's PNG writer),
    # alternating in one process so that the machine's load weighs on both alike.
    paired = _paired_previous_path(max(20, args.certificates // 5))

    verify_wall, verify_cpu = [], []
    for token in itertools.islice(itertools.cycle(tokens), args.verifications):
        w, c = time.perf_counter(), time.process_time()
        read_token(token, signer)
        verify_wall.append(time.perf_counter() - w)
        verify_cpu.append(time.process_time() - c)

    negative, catalog = load_negative_list(), load_catalog()
    with open(CORPUS, encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    match_times = []
    for text in itertools.islice(itertools.cycle(texts), 20000):
        t = time.perf_counter()
        check_request(text, negative, catalog)
        match_times.append(time.perf_counter() - t)

    pdf_p50 = _stats(wall)["p50"]
    cpu_p50 = _stats(cpu)["p50"]
    verify_p50 = _stats(verify_wall)["p50"]
    out = {
        "topic": "certificates",
        "certificates": args.certificates,
        "issue_pdf_qr_signature_ms": {"wall": _stats(wall), "cpu": _stats(cpu)},
        "target_issue_ms": PDF_TARGET_MS,
        "meets_issue_target_wall_p50": pdf_p50 < PDF_TARGET_MS,
        "meets_issue_target_cpu_p50": cpu_p50 < PDF_TARGET_MS,
        "first_certificate_of_a_worker_seconds": round(first_seconds, 3),
        "font_cut_seconds": round(font_seconds, 3),
        "pdf_bytes_mean": round(statistics.fmean(sizes)),
        "uncompressed_variant": {
            "issue_ms": {"wall": _stats(raw_wall), "cpu": _stats(raw_cpu)},
            "pdf_bytes_mean": round(statistics.fmean(raw_sizes)),
        },
        "paired_with_previous_path_cpu_ms": paired,
        "token_length": len(tokens[0]),
        "verifications": args.verifications,
        "verify_ms": {"wall": _stats(verify_wall), "cpu": _stats(verify_cpu)},
        "target_verify_ms": VERIFY_TARGET_MS,
        "meets_verify_target": verify_p50 < VERIFY_TARGET_MS,
        "request_check_ms": _stats(match_times),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processes": 1,
        # Other work on the machine slows the run: read wall times together with the load average.
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(RESULT)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return out


if __name__ == "__main__":
    main()
