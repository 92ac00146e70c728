using System.Net.Sockets;
using System.Text;
using Platform.Connect;
using Platform.Connect.Config;
using Platform.Connect.Data;
using Platform.Connectors.Http.Tests.Support;
using Platform.Connectors.Syslog;
using Platform.Connectors.Testing;

namespace Platform.Connectors.Http.Tests;

public sealed class SyslogSourceTaskTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Next();
    private SourceTaskDriver? _driver;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_driver is not null)
        {
            await _driver.DisposeAsync();
        }
    }

    private async Task<SourceTaskDriver> StartAsync(params (string Key, string Value)[] extra)
    {
        var config = new Dictionary<string, string> { ["listen"] = $"127.0.0.1:{_port}", ["topic"] = "syslog" };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        _driver = await SourceTaskDriver.StartAsync(new SyslogSourceTask(), config);
        return _driver;
    }

    private async Task SendAsync(string data)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _port);
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(data));
    }

    [Fact]
    public async Task Poll_Rfc5424OverNewlineFraming_ParsesEveryField()
    {
        var driver = await StartAsync(("format", "rfc5424"), ("framing", "newline"));

        await SendAsync("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App]lication\"] An application event\n");
        var record = Assert.Single(await driver.PollAsync(1));

        var message = Assert.IsType<Struct>(record.Value);
        Assert.Equal("syslog.message", record.ValueSchema!.Name);
        Assert.Equal(20, message.Get("facility"));
        Assert.Equal(5, message.Get("severity"));
        Assert.Equal(1, message.Get("version"));
        Assert.Equal("2003-10-11T22:14:15.003Z", message.Get("timestamp"));
        Assert.Equal("mymachine.example.com", message.Get("hostname"));
        Assert.Equal("evntslog", message.Get("app_name"));
        Assert.Null(message.Get("proc_id"));
        Assert.Equal("ID47", message.Get("msg_id"));
        Assert.Equal("[exampleSDID@32473 iut=\"3\" eventSource=\"App]lication\"]", message.Get("structured_data"));
        Assert.Equal("An application event", message.Get("message"));
        Assert.Contains(record.Headers, h => h.Key == "syslog.remote.address");
    }

    [Fact]
    public async Task Poll_OctetCountedFraming_SplitsFramesAndKeepsEmbeddedNewlines()
    {
        var driver = await StartAsync(("format", "rfc5424"), ("framing", "octet-counted"));
        var first = "<14>1 - host app 12 - - two\nlines";
        var second = "<14>1 - host app 12 - - next";

        await SendAsync($"{Encoding.UTF8.GetByteCount(first)} {first}{Encoding.UTF8.GetByteCount(second)} {second}");
        var records = await driver.PollAsync(2);

        Assert.Equal(["two\nlines", "next"], records.Select(r => (string)((Struct)r.Value!).Get("message")!));
        Assert.Equal("12", ((Struct)records[0].Value!).Get("proc_id"));
    }

    [Fact]
    public async Task Poll_AutoFraming_TakesBothKindsOnOneConnection()
    {
        var driver = await StartAsync(("format", "raw"));
        var counted = "<13>counted";

        await SendAsync($"<13>plain line\r\n{counted.Length} {counted}<13>last\n");
        var records = await driver.PollAsync(3);

        Assert.Equal(["<13>plain line", "<13>counted", "<13>last"], records.Select(r => (string)r.Value!));
    }

    [Fact]
    public async Task Poll_Rfc3164_ParsesTimestampHostTagAndPid()
    {
        var driver = await StartAsync();

        await SendAsync("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8\n<13>no header at all\n");
        var records = await driver.PollAsync(2);

        var first = (Struct)records[0].Value!;
        Assert.Equal("rfc3164", first.Get("format"));
        Assert.Equal(4, first.Get("facility"));
        Assert.Equal(2, first.Get("severity"));
        Assert.Equal("Oct 11 22:14:15", first.Get("timestamp"));
        Assert.Equal("mymachine", first.Get("hostname"));
        Assert.Equal("su", first.Get("app_name"));
        Assert.Equal("230", first.Get("proc_id"));
        Assert.Equal("'su root' failed for lonvick on /dev/pts/8", first.Get("message"));
        Assert.Equal("no header at all", ((Struct)records[1].Value!).Get("message"));
    }

    [Fact]
    public async Task Poll_RawNetcatLines_EmitStrings()
    {
        var driver = await StartAsync(("format", "raw"), ("framing", "newline"));

        await SendAsync("hello\n42 is not a length here\n");
        var records = await driver.PollAsync(2);

        Assert.Equal(["hello", "42 is not a length here"], records.Select(r => (string)r.Value!));
        Assert.All(records, r => Assert.Same(Schema.StringSchema, r.ValueSchema));
    }

    [Fact]
    public async Task Poll_UnparseableMessage_IsReportedWithItsRawTextAndTheNextOneFlows()
    {
        var driver = await StartAsync(("format", "rfc5424"), ("framing", "newline"));

        await SendAsync("not syslog\n<14>1 - h a - - - fine\n");
        var records = await driver.PollAsync(1);

        Assert.Equal("fine", ((Struct)Assert.Single(records).Value!).Get("message"));
        var (errant, error) = Assert.Single(driver.Context.Errant);
        Assert.Equal("not syslog", errant.Value);
        Assert.IsType<DataException>(error);
    }

    [Fact]
    public async Task Poll_OversizedMessage_IsReportedAndSkipped()
    {
        var driver = await StartAsync(("format", "raw"), ("framing", "newline"), ("max.message.bytes", "64"));

        await SendAsync(new string('x', 500) + "\nsmall\n");
        var records = await driver.PollAsync(1);

        Assert.Equal("small", Assert.Single(records).Value);
        Assert.Contains("max.message.bytes", Assert.Single(driver.Context.Errant).Error.Message);
    }

    [Theory]
    [InlineData("listen", "localhost", "listen")]
    [InlineData("format", "json", "format")]
    [InlineData("framing", "length", "framing")]
    [InlineData("topic", null, "topic")]
    public async Task Start_BadConfig_ThrowsNamingTheKey(string key, string? value, string named)
    {
        var config = new Dictionary<string, string> { ["listen"] = $"127.0.0.1:{_port}", ["topic"] = "syslog" };
        if (value is null)
        {
            config.Remove(key);
        }
        else
        {
            config[key] = value;
        }

        var error = await Assert.ThrowsAsync<ConfigException>(() => new SyslogSourceTask().StartAsync(config));
        Assert.Contains($"'{named}'", error.Message);
        Assert.Contains(new SyslogSourceConnector().Validate(config), v => v.Name == named && v.Errors.Count > 0);
    }
}
