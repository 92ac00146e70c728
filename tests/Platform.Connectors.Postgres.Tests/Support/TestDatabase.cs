using Npgsql;

namespace Platform.Connectors.Postgres.Tests.Support;

/// <summary>
/// A fresh database per test on the throwaway PostgreSQL that tests/pg.sh starts (tests/run-all.sh does it and
/// exports PLATFORM_TEST_PG). Without the variable the tests fail with how to start one, never skip.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "PLATFORM_TEST_PG";

    private TestDatabase(string adminConnectionString, string name, string connectionString)
    {
        AdminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string AdminConnectionString { get; }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The same database as a jdbc:postgresql:// URL (user and password in the URL).</summary>
    public string JdbcUrl
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"jdbc:postgresql://{b.Host}:{b.Port}/{b.Database}?user={b.Username}&password={b.Password}";
        }
    }

    public static string ServerConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrEmpty(value))
            {
                throw new InvalidOperationException(
                    $"{EnvironmentVariable} is not set: these tests need a real PostgreSQL. Start the throwaway one with "
                    + "`eval \"$(tests/pg.sh start)\"` (stop it with `tests/pg.sh stop`), or run tests/run-all.sh, which does both.");
            }

            return value;
        }
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = ServerConnectionString;
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(admin, name, builder.ConnectionString);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column of every row of <paramref name="sql"/>, as text.</summary>
    public async Task<List<string>> RowsAsync(string sql)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        // A test that failed before stopping its CDC task leaves a walsender streaming: end it, then drop the slots.
        await using (var senders = new NpgsqlCommand($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '{Name}' AND active", conn))
        {
            await senders.ExecuteNonQueryAsync();
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var slots = new NpgsqlCommand($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{Name}'", conn);
                await slots.ExecuteNonQueryAsync();
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
            {
                await Task.Delay(100);
            }
        }

        // A background process may still be attached for a moment; the cluster is thrown away anyway, so give up after a while.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", conn);
                await cmd.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                await Task.Delay(100);
            }
        }
    }
}
