# The path of a `kubectl run`: from the client to the process runc starts.
# Rendered by the ```diagram fences in blog/posts/runc-and-containerd.md and
# newsletter/posts/2022.md. Two rows (the control plane, then the node), so it
# stays readable in a 552 px email column: the "watch" edge does not push the
# node's row to the right (constraint="false"), and edge labels are broken in two.
from diagrams import Cluster, Diagram, Edge
from diagrams.generic.os import LinuxGeneral
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import API, Kubelet
from diagrams.k8s.infra import ETCD
from diagrams.onprem.client import User
from diagrams.onprem.container import Containerd

with Diagram("kubectl run, end to end", direction="LR", graph_attr={"ranksep": "0.5"}):
    user = User("kubectl")
    with Cluster("control plane"):
        api = API("API server")
        store = ETCD("etcd")
    with Cluster("node"):
        kubelet = Kubelet("kubelet")
        runtime = Containerd("containerd\n+ shim")
        runc = LinuxGeneral("runc")
        pod = Pod("container")

    user >> Edge(label="POST\n/pods") >> api
    api >> Edge(label="persist") >> store
    api >> Edge(xlabel="watch", style="dashed", constraint="false") >> kubelet
    kubelet >> Edge(label="CRI\n(gRPC)") >> runtime
    runtime >> Edge(label="create,\nstart") >> runc
    runc >> Edge(label="exec") >> pod
