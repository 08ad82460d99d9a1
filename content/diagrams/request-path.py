# The path of a `kubectl run`: from the client to the process runc starts.
# Rendered by the ```diagram fence in blog/posts/runc-and-containerd.md.
from diagrams import Cluster, Diagram, Edge
from diagrams.generic.os import LinuxGeneral
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import API, Kubelet
from diagrams.k8s.infra import ETCD
from diagrams.onprem.client import User
from diagrams.onprem.container import Containerd

with Diagram("kubectl run, end to end", direction="LR"):
    user = User("kubectl")
    with Cluster("control plane"):
        api = API("API server")
        store = ETCD("etcd")
    with Cluster("node"):
        kubelet = Kubelet("kubelet")
        runtime = Containerd("containerd\n+ shim")
        runc = LinuxGeneral("runc")
        pod = Pod("container")

    user >> Edge(label="POST /pods") >> api
    api >> Edge(label="persist") >> store
    api >> Edge(label="watch", style="dashed") >> kubelet
    kubelet >> Edge(label="CRI (gRPC)") >> runtime
    runtime >> Edge(label="create, start") >> runc
    runc >> Edge(label="exec") >> pod
