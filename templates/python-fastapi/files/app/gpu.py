"""GET /gpu: whether PyTorch sees the GPU Kubernetes gave this pod (nvidia.com/gpu in wharf.yaml)."""

from __future__ import annotations

from fastapi import APIRouter, Response

router = APIRouter()


@router.get("/gpu")
def gpu(response: Response) -> dict[str, object]:
    import torch  # imported here: it takes seconds, and only this endpoint needs it

    if not torch.cuda.is_available():
        response.status_code = 503
        return {"cuda": False, "torch": torch.__version__, "reason": "no CUDA device visible to PyTorch"}
    devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    # A tiny computation on the device proves more than the driver answering.
    x = torch.ones((256, 256), device="cuda")
    checksum = float((x @ x).sum().item())
    return {"cuda": True, "torch": torch.__version__, "cudaVersion": torch.version.cuda, "devices": devices, "checksum": checksum}
