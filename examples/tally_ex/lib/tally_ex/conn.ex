defmodule TallyEx.Conn do
  @moduledoc """
  One process per client connection: reads a line, answers a line. What
  a command means is up to `TallyEx.Proto`, so that module can change in
  an upgrade while this process, and the client's connection, stay.
  """

  def start(sock) do
    spawn(fn ->
      receive do
        :go -> :ok
      end

      welcome(sock)
    end)
  end

  defp welcome(sock) do
    :ok = :gen_tcp.send(sock, [TallyEx.Proto.greeting(), ?\n])
    :ok = :inet.setopts(sock, active: :once)
    __MODULE__.loop(sock)
  end

  # Loops through __MODULE__. so that it runs the newest code after a reload.
  @doc false
  def loop(sock) do
    receive do
      {:tcp, ^sock, line} ->
        case TallyEx.Proto.handle(String.trim(line)) do
          :quit ->
            :ok = :gen_tcp.send(sock, "bye\n")
            :gen_tcp.close(sock)

          reply ->
            :ok = :gen_tcp.send(sock, [reply, ?\n])
            :ok = :inet.setopts(sock, active: :once)
            __MODULE__.loop(sock)
        end

      {:tcp_closed, ^sock} ->
        :ok

      {:tcp_error, ^sock, _} ->
        :ok
    end
  end
end
