namespace Platform.Streams.Tests.Examples;

/// <summary>How WordCount's committed output is judged against what was fed (also linked into the Host tests' failover test).</summary>
internal static class WordCountChecks
{
    /// <summary>Every word whose final count is not its true count, and every update that is not above the one before.</summary>
    public static List<string> Anomalies(Dictionary<string, long> truth, List<(string Word, long Count)> records)
    {
        var anomalies = new List<string>();
        foreach (var word in truth.Keys.Union(records.Select(r => r.Word)).Order(StringComparer.Ordinal))
        {
            var counts = records.Where(r => r.Word == word).Select(r => r.Count).ToList();
            var final = counts.Count > 0 ? counts[^1] : 0;
            if (final != truth.GetValueOrDefault(word))
            {
                anomalies.Add($"{word}: final count {final}, true count {truth.GetValueOrDefault(word)}");
            }

            for (var i = 1; i < counts.Count; i++)
            {
                if (counts[i] <= counts[i - 1])
                {
                    anomalies.Add($"{word}: count {counts[i]} after {counts[i - 1]}");
                }
            }
        }

        return anomalies;
    }
}
