/**
 * A model family: one folder families/<name>/ holding what the family is (its definition and tfjs apply, losses,
 * training recipes, ONNX graph builders, parity reference, card facts, bench and contract hooks), whose index.ts
 * exports one `Family` object. families/index.ts lists the families (one import line each) and families/registry.ts
 * answers every lookup: export, eval, bench, the CLI and the Makefile ask it, so adding a family touches its folder
 * and that one line.
 *
 * Names: a family's `name` is the checkpoint kind its runs write and the card's `family`; its runs are the names
 * `dgm train <run>` takes (and the default run folders runs/<run>/). Variants of a family (cgan, wgan-gp of 'gan')
 * are runs whose config differs, never new kinds.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { FamilyType } from '../runtime/core/card';
import type { Workload } from '../training/bench/workloads';
import type { Checkpoint } from '../training/harness/checkpoint';
import type { RunDefinition } from '../training/harness/runs';
import type { RunExportOptions, RunJob } from '../export/from-run';
import type { InferenceWorkload } from '../eval/bench/inference-workloads';
import type { BenchOptions, BenchReport } from '../eval/bench/run-bench';
import type { TimingOptions } from '../eval/bench/timing';

export type { FamilyType };

export interface Family {
  /** = the checkpoint kind = the card's `family` ('maf', 'gan', 'classifier', 'realnvp'). */
  name: string;
  /** Which runtime API loads its cards: 'flow' (runtime Flow), 'gan' (GanSampler), 'classifier'. Written to the card as `type`. */
  type: FamilyType;
  /** One line for listings. */
  description: string;
  /** Training recipes: each becomes `dgm train <run.name>`. */
  runs: RunDefinition[];
  /** Checkpoint kinds older code wrote for this family's runs (gan: 'cgan', 'wgan-gp'): export and resume read them. */
  legacyKinds?: readonly string[];
  /** Checkpoint -> ExportJob: rebuild the network from the checkpoint's config, load the weights into tfjs (the
   *  parity reference), the card's facts. `job.family` is `name` and `job.type` is `type`. */
  exportJob(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob>;
  /** Training-step workloads of `make bench` / `dgm bench` / `dgm gpu-check`, keyed by run name (eval/bench/training-workloads.ts). */
  bench?: Record<string, TrainingBench>;
  /** Inference rows of `make bench` beyond the built-in ones (its samplers and density graphs, timed with the bench's
   *  own `bench` function, and any target rows it adds to `report.targets`). */
  inferenceBench?(bench: InferenceBenchFn, o: Pick<BenchOptions, 'batches' | 'samplerBatches' | 'inferenceTiming'>, report: Pick<BenchReport, 'inference' | 'targets'>): Promise<void>;
  /** What the contract test (test/families/contract.test.ts) needs: a new family is tested by being registered. */
  contract: FamilyContract;
}

/** Times one inference workload at `batches` on every onnxruntime thread count of the run (and tfjs at `tfjsBatches`). */
export type InferenceBenchFn = (w: InferenceWorkload, batches: number[], tfjsBatches?: number[], timing?: TimingOptions) => Promise<void>;

export interface TrainingBench {
  /** One full optimizer step at the run's batch size, or at `batch` (tests use small ones), on random inputs. */
  workload(batch?: number): Workload;
  /** Batch sizes of this run's `dgm gpu-check` row (hardware GPU, software emulation); absent: no gpu-check row. */
  gpuCheck?: { batch: number; softwareBatch: number };
  /** Cheap enough to time on the plain-JavaScript (cpu) backend too (image models take minutes per step there). */
  onCpu?: boolean;
  /** Variables that stay zero by construction (e.g. biases before batch norm): the cross-backend step tests skip them. */
  structurallyZero?(): string[];
}

export interface FamilyContract {
  /** Which of `runs` the contract trains, and its tiny settings: --set values and the batch. It is trained for a few
   *  steps through the run's own `train` with the CLI's flags on the wasm backend, with `data` a small fake
   *  Fashion-MNIST folder the test writes (runs on synthetic data, like moons, ignore it). Seconds, not minutes. */
  run: string;
  set?: Record<string, string>;
  batch?: number;
  /** The tfjs model a checkpoint of this family holds, for the behavioural checks of its type. */
  load(ck: Checkpoint): ContractModel;
}

export interface ContractFlow {
  type: 'flow';
  dims: number;
  /** x -> z with log|det dz/dx| per row (the density direction). */
  inverse(x: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D };
  /** z -> x (the sampling direction). */
  forward(z: tf.Tensor2D): tf.Tensor2D;
  logProb(x: tf.Tensor2D): tf.Tensor1D;
  dispose(): void;
}

export interface ContractGenerator {
  type: 'gan';
  latentSize: number;
  numClasses: number;
  /** [H, W, C] of the NHWC images. */
  imageShape: readonly [number, number, number];
  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null): tf.Tensor4D;
  discriminate(x: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor1D;
  dispose(): void;
}

export interface ContractClassifier {
  type: 'classifier';
  numClasses: number;
  imageShape: readonly [number, number, number];
  /** Logits [N, K] of NHWC images (inference mode). */
  classify(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export type ContractModel = ContractFlow | ContractGenerator | ContractClassifier;
