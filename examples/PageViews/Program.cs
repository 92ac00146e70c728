using Platform.Examples;
using Platform.Examples.PageViews;

return await ExampleHost.RunAsync(args, "PageViews", "pageviews", PageViewsTopology.Build, [PageViewsTopology.InputTopic], [PageViewsTopology.OutputTopic]);
