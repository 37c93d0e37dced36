"""Test VTNs: our scripted fake VTN, openleadr's VTN as an interop peer, and the VEN harness."""
