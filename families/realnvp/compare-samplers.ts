/**
 * The sampler and density comparison of bench.ts on its own (a minute, against `make bench`'s half hour):
 *   node dist/families/realnvp/compare-samplers.js [--set couplings=8 --set hidden=128 ...]
 * onnxruntime-node, CPU provider, one thread: maf-fmnist's sampler at batch 64, RealNVP's sampler at batch 64, both
 * flows' log_prob at batches 64 and 256, median of up to 10 timed calls after one warm-up. `--set` takes the
 * realnvp-fmnist run's architecture settings (as `dgm train realnvp-fmnist --set` does), to time another design.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as os from 'os';
import * as ort from 'onnxruntime-node';
import type { InferenceWorkload } from '../../eval/bench/inference-workloads';
import { mafFmnistSamplerWorkload, MAF_FMNIST, mafLogProbWorkload } from '../maf/maf-inference';
import { ortSessionOptions, timeCalls } from '../../eval/bench/timing';
import { readSettings } from '../../training/harness/runs';
import { realnvpFmnistConfig, realnvpWorkloads, SAMPLER_SPEEDUP_TARGET } from './bench';
import { REALNVP_FMNIST_DEFAULTS } from './fmnist-run';

/** `--set key=value` pairs of argv. */
function setArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i] === '--set' ? /^([^=]+)=(.*)$/.exec(argv[i + 1] ?? '') : null;
    if (!m) throw new Error(`compare-samplers: expected --set key=value, got ${JSON.stringify(argv.slice(i, i + 2).join(' '))}`);
    out[m[1]] = m[2];
    i++;
  }
  return out;
}

async function perS(w: InferenceWorkload, batch: number): Promise<number> {
  const s = await ort.InferenceSession.create(w.onnx, ortSessionOptions(1));
  try {
    const feeds = w.feeds(batch);
    const t = await timeCalls(() => s.run(feeds), { warmup: 1, reps: 10, minReps: 3, budgetMs: 8000 });
    const r = (batch * 1000) / t.medianMs;
    console.log(`${w.key.padEnd(24)} batch ${String(batch).padStart(4)}: median ${t.medianMs.toFixed(2).padStart(8)} ms, ${r.toFixed(1).padStart(8)} rows/s`);
    return r;
  } finally {
    await s.release();
  }
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  console.log(`onnxruntime-node cpu, 1 thread; load average at start ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  const maf = mafFmnistSamplerWorkload();
  const mafSample = await perS(maf, 64);
  maf.dispose();
  const mafLp = mafLogProbWorkload('maf-fmnist-logprob', MAF_FMNIST);
  for (const b of [64, 256]) await perS(mafLp, b);
  mafLp.dispose();
  const s = readSettings(setArgs(process.argv.slice(2)), REALNVP_FMNIST_DEFAULTS, { couplings: 'int>=1', hidden: 'int>=1', nHidden: 'int>=1', logScaleBound: '>0', shuffle: 'int>=0', localCouplings: 'int>=0', localChannels: 'int>=1', localKernel: 'int>=1' });
  const { sample, logProb } = realnvpWorkloads(realnvpFmnistConfig(s));
  const ours = await perS(sample, 64);
  for (const b of [64, 256]) await perS(logProb, b);
  sample.dispose();
  logProb.dispose();
  const ratio = ours / mafSample;
  console.log(`sampler, batch 64: RealNVP ${ratio.toFixed(1)}x maf-fmnist (target >= ${SAMPLER_SPEEDUP_TARGET}x: ${ratio >= SAMPLER_SPEEDUP_TARGET ? 'met' : 'not met'})`);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
