/** pixelShuffle -> DepthToSpace mode CRD: layers.ts shuffles channels in PyTorch PixelShuffle (= CRD) order. */
import { attr } from '../onnx/graph-builder';
import { ExportError, Lowering } from './types';

export const lowerPixelShuffle: Lowering<'pixelShuffle'> = (ctx, layer, x) => {
  const r = layer.factor;
  if (x.layout !== 'nchw') throw new ExportError(`model "${ctx.model}": pixelShuffle needs an image input, got [N, ${x.features}]`);
  if (x.c % (r * r) !== 0) throw new ExportError(`model "${ctx.model}": pixelShuffle factor ${r} needs channels divisible by ${r * r}, got ${x.c}`);
  const y = ctx.g.op('DepthToSpace', [x.name], { blocksize: attr.int(r), mode: attr.string('CRD') });
  return { layout: 'nchw', name: y, h: x.h * r, w: x.w * r, c: x.c / (r * r) };
};
