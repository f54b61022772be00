defmodule TallyEx.Proto do
  @moduledoc """
  The line protocol: one command in, one line out.

      add NAME [N]   add N (default 1) to NAME's count
      get NAME       NAME's count
      list           every count
      version        the running version, and this connection's process
      quit           close the connection
  """

  def greeting,
    do: ["tally_ex ", vsn(), " ready: add NAME [N] | get NAME | list | version | quit"]

  def handle(line) do
    case String.split(line, " ", trim: true) do
      ["add", name] ->
        add(name, 1)

      ["add", name, n] ->
        case Integer.parse(n) do
          {i, ""} -> add(name, i)
          _ -> ["error: not a number: ", n]
        end

      ["get", name] ->
        count(name, TallyEx.Counter.get(name))

      ["list"] ->
        counts(TallyEx.Counter.list())

      ["version"] ->
        ["tally_ex ", vsn(), ", connection ", :erlang.pid_to_list(self())]

      ["quit"] ->
        :quit

      _ ->
        ["error: unknown command: ", line]
    end
  end

  defp add(name, n), do: count(name, TallyEx.Counter.add(name, n))

  defp count(name, c), do: [name, " = ", Integer.to_string(c)]

  defp counts([]), do: "(no counts yet)"
  defp counts(l), do: Enum.map_join(l, " ", fn {k, v} -> [k, "=", Integer.to_string(v)] end)

  defp vsn, do: to_string(Application.spec(:tally_ex, :vsn))
end
