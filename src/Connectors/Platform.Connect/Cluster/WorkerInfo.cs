namespace Platform.Connect.Cluster;

/// <summary>A worker of the cluster as it announced itself when joining.</summary>
/// <param name="WorkerId">Its id (REST address by default).</param>
/// <param name="Url">Its REST URL, or empty.</param>
/// <param name="Instance">A random id of this process, telling a restarted worker from its previous life.</param>
public sealed record WorkerInfo(string WorkerId, string Url, string Instance);
