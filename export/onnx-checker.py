"""Independent check of exported ONNX files with the reference `onnx` package (Debian python3-onnx).

For each file: onnx.checker.check_model(full_check=True) and strict shape inference; prints one JSON line per file
with the inferred output shapes, exits 1 if any file fails.
"""
import json
import sys

import onnx
from onnx import shape_inference


def dims(vi):
    shape = vi.type.tensor_type.shape
    return [d.dim_param if d.dim_param else d.dim_value for d in shape.dim]


def main(paths):
    failed = 0
    for p in paths:
        try:
            model = onnx.load(p)
            onnx.checker.check_model(model, full_check=True)
            inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
            outputs = {o.name: dims(o) for o in inferred.graph.output}
            print(json.dumps({"file": p, "ok": True, "onnx": onnx.__version__, "outputs": outputs}))
        except Exception as e:  # report every file, not only the first failure
            failed += 1
            print(json.dumps({"file": p, "ok": False, "error": f"{type(e).__name__}: {e}"}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
