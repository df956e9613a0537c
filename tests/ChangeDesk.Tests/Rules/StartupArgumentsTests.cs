namespace ChangeDesk.Tests.Rules;

/// <summary>The command line of the README: <c>--demo</c> is a switch, and the settings after it still count.</summary>
public sealed class StartupArgumentsTests
{
    [Theory]
    [InlineData("--demo", "--urls=http://127.0.0.1:5191")]
    [InlineData("--urls=http://127.0.0.1:5191", "--demo")]
    public void DemoIsASwitchThatLeavesTheOtherSettingsAlone(string first, string second)
    {
        var builder = ChangeDeskApp.CreateBuilder([first, second, "--Database:Provider=Sqlite"]);

        Assert.Equal("true", builder.Configuration["Demo:Seed"]);
        Assert.Equal("http://127.0.0.1:5191", builder.Configuration["urls"]);
    }
}
