"""Built-in recurrent layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.rnn.bidirectional import Bidirectional
from engine.layers.rnn.conv_lstm1d import ConvLSTM1D
from engine.layers.rnn.conv_lstm2d import ConvLSTM2D
from engine.layers.rnn.conv_lstm3d import ConvLSTM3D
from engine.layers.rnn.gru import GRU
from engine.layers.rnn.gru_cell import GRUCell
from engine.layers.rnn.lstm import LSTM
from engine.layers.rnn.lstm_cell import LSTMCell
from engine.layers.rnn.rnn import RNN
from engine.layers.rnn.simple_rnn import SimpleRNN
from engine.layers.rnn.simple_rnn_cell import SimpleRNNCell
from engine.layers.rnn.time_distributed import TimeDistributed

# Layer class name -> palette category. Cells and RNN(cell) are API-only (not on the palette).
CATEGORY: dict[str, str] = {
    "SimpleRNN": "Recurrent", "LSTM": "Recurrent", "GRU": "Recurrent", "Bidirectional": "Recurrent",
    "TimeDistributed": "Recurrent", "ConvLSTM1D": "Recurrent", "ConvLSTM2D": "Recurrent", "ConvLSTM3D": "Recurrent",
}

__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "Bidirectional",
           "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
