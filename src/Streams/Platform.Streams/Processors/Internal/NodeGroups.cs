namespace Platform.Streams.Processors.Internal;

/// <summary>
/// Splits a topology into sub-topologies as Kafka does: nodes joined by a parent-child edge or by a shared
/// store belong together (a topic between a sink and a source does not join). Groups are numbered by their
/// source names in ordinal order, then the remaining nodes'.
/// </summary>
internal static class NodeGroups
{
    /// <summary>One sub-topology: its id, its nodes in the order they were added, and whether it feeds a global store.</summary>
    public sealed record Group(int Id, IReadOnlyList<NodeFactory> Nodes, bool IsGlobal);

    public static IReadOnlyList<Group> Compute(Topology topology)
    {
        var nodes = topology.Nodes;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            index[nodes[i].Name] = i;
        }

        var parent = new int[nodes.Count];
        for (var i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        var storeUser = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var predecessor in nodes[i].Predecessors)
            {
                Unite(parent, i, index[predecessor]);
            }

            if (nodes[i] is ProcessorNodeFactory processor)
            {
                foreach (var store in processor.StoreNames)
                {
                    if (storeUser.TryGetValue(store, out var other))
                    {
                        Unite(parent, i, other);
                    }
                    else
                    {
                        storeUser[store] = i;
                    }
                }
            }
        }

        var order = new List<int>();
        var sources = new List<NodeFactory>();
        var others = new List<NodeFactory>();
        foreach (var node in nodes)
        {
            (node is SourceNodeFactory ? sources : others).Add(node);
        }

        sources.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        others.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var groupOfRoot = new Dictionary<int, int>();
        foreach (var node in sources.Concat(others))
        {
            var root = Find(parent, index[node.Name]);
            if (!groupOfRoot.ContainsKey(root))
            {
                groupOfRoot[root] = groupOfRoot.Count;
                order.Add(root);
            }
        }

        var members = new List<NodeFactory>[order.Count];
        for (var g = 0; g < members.Length; g++)
        {
            members[g] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            members[groupOfRoot[Find(parent, i)]].Add(nodes[i]);
        }

        var groups = new List<Group>(order.Count);
        for (var g = 0; g < members.Length; g++)
        {
            groups.Add(new Group(g, members[g], topology.GlobalNodes.Contains(members[g][0].Name)));
        }

        return groups;
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private static void Unite(int[] parent, int a, int b)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }
}
