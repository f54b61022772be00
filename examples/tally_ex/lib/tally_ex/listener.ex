defmodule TallyEx.Listener do
  @moduledoc """
  Owns the listening socket (port from the `:port` env); an acceptor
  process hands each new connection to a `TallyEx.Conn` process of its own.
  """
  use GenServer

  def start_link(_arg), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  @doc "The port it listens on (useful with port 0)."
  def port, do: GenServer.call(__MODULE__, :port)

  @impl true
  def init([]) do
    port = Application.fetch_env!(:tally_ex, :port)

    {:ok, lsock} =
      :gen_tcp.listen(port, [
        :binary,
        packet: :line,
        active: false,
        reuseaddr: true,
        ip: {127, 0, 0, 1}
      ])

    {:ok, real} = :inet.port(lsock)
    spawn_link(__MODULE__, :acceptor, [lsock])
    {:ok, {lsock, real}}
  end

  # Loops through __MODULE__. so that it runs the newest code after a reload.
  @doc false
  def acceptor(lsock) do
    case :gen_tcp.accept(lsock) do
      {:ok, sock} ->
        pid = TallyEx.Conn.start(sock)
        :ok = :gen_tcp.controlling_process(sock, pid)
        send(pid, :go)
        __MODULE__.acceptor(lsock)

      {:error, :closed} ->
        :ok
    end
  end

  @impl true
  def handle_call(:port, _from, {_lsock, port} = s), do: {:reply, port, s}
end
