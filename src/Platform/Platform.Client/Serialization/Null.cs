namespace Platform.Client.Serialization;

/// <summary>The key type of records without a key: <c>ProducerBuilder&lt;Null, string&gt;</c>.</summary>
public sealed class Null
{
    private Null()
    {
    }
}
