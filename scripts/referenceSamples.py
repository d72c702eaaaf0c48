"""Every latency sample of one run under the course's reference simulator, by response type.

The reference prints only the mean and median of its latency samples. This loads it from the
path given (it is never copied into the project), wraps its client's `deliver` to note each
response it counts, runs one config quietly, and prints the distribution per kind of response
(gets and puts, ok and redirect or fail) and how many samples are above the config's full-tier
latency bound. `--out FILE` keeps the samples as JSON: [seconds since start, latency in seconds,
response type, "get" | "put"].

    python3 scripts/referenceSamples.py --reference ../shared/reference/run configs/advanced-2.json
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import time


def load_reference(path):
    loader = importlib.machinery.SourceFileLoader("reference_run", path)
    spec = importlib.util.spec_from_loader("reference_run", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--reference", required=True, help="path to the reference's `run`")
    parser.add_argument("--replica", default="./3700kvstore")
    parser.add_argument("--out", help="write the samples here as JSON")
    args = parser.parse_args()
    if not os.path.isfile(args.reference):
        parser.error(f"no reference simulator at {args.reference}")
    if not os.path.isfile(args.config):
        parser.error(f"no config at {args.config}")
    if not os.access(args.replica, os.X_OK):
        parser.error(f"replica {args.replica} is missing or not executable")

    reference = load_reference(args.reference)
    reference.REPLICA_PROG = args.replica
    samples = []
    started = [time.time()]
    counted = reference.Client.deliver

    # The same test the reference applies before it appends a sample: a MID it is waiting for.
    def deliver(client, raw_msg, msg):
        mid = msg.get("MID")
        request = client.reqs.get(mid)
        if request is not None and mid not in client.sim.completed and msg.get("type") in ("ok", "fail", "redirect"):
            now = time.time()
            samples.append([now - started[0], now - request.ts, msg["type"], "get" if request.get else "put"])
        return counted(client, raw_msg, msg)

    reference.Client.deliver = deliver
    simulation = reference.Simulation(args.config, True)
    reference.sim = simulation
    started[0] = time.time()
    simulation.run()
    simulation.shutdown()

    stats = simulation.stats
    full_bound_ms = simulation.conf.benchmarks["median_latency"][1] * 1000
    if len(samples) != len(stats.latencies):
        print(f"warning: {len(samples)} samples noted, the reference counted {len(stats.latencies)}")
    print(f"{args.config}: {len(samples)} samples, median {stats.median_latency * 1000:.3f} ms "
          f"(the reference's own), {stats.total_msgs} messages, {stats.redirects} redirects, {stats.incorrect} incorrect")
    for kind in ("get", "put"):
        for response in ("ok", "redirect", "fail"):
            values = sorted(s[1] * 1000 for s in samples if s[2] == response and s[3] == kind)
            if values:
                print(f"  {response} {kind}: {len(values)}, p10 {percentile(values, 0.1):.2f} p50 {percentile(values, 0.5):.2f} "
                      f"p90 {percentile(values, 0.9):.2f} max {values[-1]:.1f} ms")
    above = sum(1 for s in samples if s[1] * 1000 > full_bound_ms)
    print(f"  above the full tier's {full_bound_ms:g} ms: {above} of {len(samples)}")
    if args.out:
        with open(args.out, "w") as out:
            json.dump(samples, out)


if __name__ == "__main__":
    main()
