/**
 * One training step of every run that has a bench workload (its family's `bench` hook, families/family.ts), built
 * with the runs' own definitions and step functions at the runs' default batch sizes, on random inputs of the right
 * shape (the time of a step does not depend on the pixel values). Each `step()` is one full optimizer step and reads
 * its loss back, so asynchronous backends are timed to completion.
 */
import { benchRuns, getRun } from '../../families/registry';
import type { Workload } from '../../training/bench/workloads';

/** A run name with a training-step workload (families' bench hooks). */
export type TrainingModel = string;

/** Every run with a training-step workload, by name. */
export function trainingModels(): TrainingModel[] {
  return benchRuns().map((r) => r.run);
}

function benchOf(model: TrainingModel) {
  const b = getRun(model).family.bench?.[model];
  if (!b) throw new Error(`model ${model} has no training-step workload (runs with one: ${trainingModels().join(', ')})`);
  return b;
}

/** One step of `model` at its run's batch size, or at `batch` (tests use small ones). */
export function trainingWorkload(model: TrainingModel, batch?: number): Workload {
  return benchOf(model).workload(batch);
}

/** Variables of `model`'s step that stay zero by construction (cross-backend comparisons skip them). */
export function structurallyZero(model: TrainingModel): string[] {
  return benchOf(model).structurallyZero?.() ?? [];
}

/** Whether `model`'s step is cheap enough to time on the plain-JavaScript backend. */
export function trainingOnCpu(model: TrainingModel): boolean {
  return benchOf(model).onCpu === true;
}

/** gpu-check's training rows: [run, batch] for a hardware GPU or for a software emulation (smaller batches). */
export function gpuCheckPlans(software: boolean): [TrainingModel, number][] {
  return benchRuns().flatMap((r) => (r.bench.gpuCheck ? [[r.run, software ? r.bench.gpuCheck.softwareBatch : r.bench.gpuCheck.batch] as [TrainingModel, number]] : []));
}
