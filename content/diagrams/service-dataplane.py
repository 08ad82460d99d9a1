# A ClusterIP Service: kube-proxy programs the node, the kernel does the rest.
# Rendered by the ```diagram fence in blog/posts/service-dataplane.md; ranks 0.5 in
# apart (not 0.75) keep it narrow enough to read in a 552 px email column.
from diagrams import Cluster, Diagram, Edge
from diagrams.k8s.compute import Pod
from diagrams.k8s.controlplane import API, KProxy
from diagrams.k8s.network import SVC, Ep

with Diagram("Where a ClusterIP lives", direction="LR", graph_attr={"ranksep": "0.5"}):
    api = API("API server")
    with Cluster("every node"):
        proxy = KProxy("kube-proxy")
        svc = SVC("10.96.41.7:80\n(iptables / nft / eBPF)")
    endpoints = Ep("EndpointSlice")
    with Cluster("backends"):
        pods = [Pod("10.244.1.12"), Pod("10.244.2.30"), Pod("10.244.3.9")]

    api >> Edge(style="dashed", label="watch") >> proxy
    endpoints >> Edge(style="dashed") >> proxy
    proxy >> Edge(label="programs") >> svc
    svc >> Edge(label="DNAT") >> pods
