from . import g2p_demo_traffic
