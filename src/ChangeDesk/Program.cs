using ChangeDesk;
using ChangeDesk.Admin;

if (args is ["admin", .. var rest])
{
    return await AdminCommands.RunAsync(rest);
}

var app = ChangeDeskApp.CreateBuilder(args).Build();
ChangeDeskApp.Configure(app);
await app.RunAsync();
return 0;

public partial class Program;
