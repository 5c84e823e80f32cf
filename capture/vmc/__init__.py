"""VMC protocol (OSC over UDP) in and out."""
from capture.vmc.receiver import VmcReceiver, VmcStats
from capture.vmc.sender import VmcSender, build_frame_bundle

__all__ = ["VmcReceiver", "VmcStats", "VmcSender", "build_frame_bundle"]
