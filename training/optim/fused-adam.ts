/**
 * Adam whose per-variable update is one fused kernel (adam-update.ts) on the wasm and cpu backends, and tfjs' own
 * update elsewhere. It is a tf.AdamOptimizer with the same slots (m, v, accBeta1/2, iterations), so checkpoints,
 * getWeights/setWeights and resume work unchanged.
 *
 * `weightDecay` is PyTorch Adam's coupled weight_decay: every gradient gets wd * param added before the update (the
 * gradient of 0.5*wd*||param||^2, without computing the penalty).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, ADAM_UPDATE_BACKENDS, AdamUpdateAttrs, registerAdamUpdate } from './adam-update';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The AdamOptimizer fields tfjs 4.22 keeps private; applyGradients below maintains them as tfjs does. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  readonly weightDecay: number;

  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number, weightDecay = 0) {
    if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new Error(`Adam: weight decay must be a finite number >= 0, got ${weightDecay}`);
    super(learningRate, beta1, beta2, epsilon);
    this.weightDecay = weightDecay;
    registerAdamUpdate();
  }

  /** The rate of the following updates (a schedule sets it before each step; optim/lr-schedule.ts). */
  setLearningRate(lr: number): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`Adam: learning rate must be a finite number >= 0, got ${lr}`);
    this.learningRate = lr;
  }

  get currentLearningRate(): number {
    return this.learningRate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, grad: v.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, grad: variableGradients[name] as tf.Tensor | null }));
    if (!(ADAM_UPDATE_BACKENDS as readonly string[]).includes(tf.getBackend())) {
      this.applyUnfused(list);
      return;
    }
    const st = this as unknown as AdamState;
    tf.tidy(() => {
      // float32, as tfjs' sub(1, accBeta) would give.
      const c1 = Math.fround(1 - st.accBeta1.dataSync()[0]);
      const c2 = Math.fround(1 - st.accBeta2.dataSync()[0]);
      const attrs: AdamUpdateAttrs = { lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, c1, c2, weightDecay: this.weightDecay };
      list.forEach(({ name, grad }, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`FusedAdamOptimizer: no variable named '${name}'`);
        st.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        st.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (grad == null) return;
        const m = st.accumulatedFirstMoment[i].variable;
        const v = st.accumulatedSecondMoment[i].variable;
        const [p2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { param: value, m, v, grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(p2);
      });
      st.accBeta1.assign(tf.mul(st.accBeta1, this.beta1));
      st.accBeta2.assign(tf.mul(st.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }

  /** tfjs' own update (backends without the fused kernel), on g + wd * param. */
  private applyUnfused(list: { name: string; grad: tf.Tensor | null }[]): void {
    if (this.weightDecay === 0) {
      super.applyGradients(list.map(({ name, grad }) => ({ name, tensor: grad! })).filter((e) => e.tensor != null));
      return;
    }
    tf.tidy(() => {
      const decayed = list.filter((e) => e.grad != null).map(({ name, grad }) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`FusedAdamOptimizer: no variable named '${name}'`);
        return { name, tensor: tf.add(grad!, tf.mul(value, this.weightDecay)) };
      });
      super.applyGradients(decayed);
    });
  }
}

/** Adam (fused where the backend allows). eps defaults to PyTorch's 1e-8 (tfjs' own default is 1e-7). */
export function adam(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0): FusedAdamOptimizer {
  if (!(learningRate > 0)) throw new Error(`Adam: learning rate must be > 0, got ${learningRate}`);
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon, weightDecay);
}
