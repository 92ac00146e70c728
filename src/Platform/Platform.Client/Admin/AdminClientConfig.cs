namespace Platform.Client.Admin;

/// <summary>Configuration of an <see cref="IAdminClient"/>.</summary>
public class AdminClientConfig : ClientConfig
{
    /// <summary>Creates an empty configuration.</summary>
    public AdminClientConfig()
    {
    }

    /// <summary>Creates a configuration holding a copy of <paramref name="properties"/>.</summary>
    public AdminClientConfig(IEnumerable<KeyValuePair<string, string>> properties)
        : base(properties)
    {
    }
}
